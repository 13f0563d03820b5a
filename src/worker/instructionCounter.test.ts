import { describe, expect, it } from "vitest";
import { InstructionCounter } from "./instructionCounter.ts";

describe("InstructionCounter", () => {
  it("counts the instructions the emulator ran before its first reading", () => {
    const counter = new InstructionCounter();
    expect(counter.sample(700_000_000)).toBe(700_000_000);
    expect(counter.sample(900_000_000)).toBe(900_000_000);
  });

  it("adds up readings across the 32-bit counter's wrap", () => {
    const counter = new InstructionCounter();
    counter.sample(4_000_000_000);
    counter.sample(4_294_967_000);
    expect(counter.sample(1_000)).toBe(4_000_000_000 + 294_967_000 + 296 + 1_000);
  });

  it("counts many wraps when sampled more than once per wrap", () => {
    const counter = new InstructionCounter();
    let raw = 0;
    counter.sample(raw);
    for (let i = 0; i < 10; i++) {
      raw = (raw + 3_000_000_000) % 2 ** 32;
      counter.sample(raw);
    }
    expect(counter.total).toBe(30_000_000_000);
  });

  it("reads negative (signed) readings as unsigned", () => {
    const counter = new InstructionCounter();
    expect(counter.sample(-2)).toBe(2 ** 32 - 2);
    expect(counter.sample(1)).toBe(2 ** 32 + 1);
  });
});
