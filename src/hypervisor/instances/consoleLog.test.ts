import { describe, expect, it } from "vitest";
import { ConsoleLog } from "./consoleLog.ts";

const text = (value: string) => new TextEncoder().encode(value);

describe("ConsoleLog", () => {
  it("keeps everything while it fits", () => {
    const log = new ConsoleLog(16);
    log.append(text("abc"));
    log.append(text("def"));
    expect(log.text()).toBe("abcdef");
  });

  it("keeps only the newest bytes, as EC2's console output does", () => {
    const log = new ConsoleLog(8);
    log.append(text("0123456"));
    log.append(text("789"));
    expect(log.text()).toBe("23456789");
    log.append(text("abcdefghijk"));
    expect(log.text()).toBe("defghijk");
  });
});
