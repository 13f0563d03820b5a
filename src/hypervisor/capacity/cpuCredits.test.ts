import { describe, expect, it } from "vitest";
import { CreditAccount } from "./cpuCredits.ts";
import { findInstanceType } from "../instances/instanceTypes.ts";

const micro = findInstanceType("t3.micro")?.burstable;
if (!micro) throw new Error("t3.micro must be burstable");

describe("CreditAccount (t3.micro: 10% baseline, 6 credits an hour)", () => {
  it("earns at the baseline rate while idle, up to 24 hours' worth", () => {
    const account = new CreditAccount(micro, "standard");
    account.record(3600, 0);
    expect(account.balance).toBeCloseTo(6, 9);
    account.record(48 * 3600, 0);
    expect(account.balance).toBeCloseTo(144, 9);
  });

  it("neither earns nor spends at exactly the baseline", () => {
    const account = new CreditAccount(micro, "standard", 10);
    account.record(3600, 10);
    expect(account.balance).toBeCloseTo(10, 9);
  });

  it("spends one credit per minute at a full core, less what it earns", () => {
    const account = new CreditAccount(micro, "standard", 10);
    expect(account.record(60, 100)).toBeCloseTo(1, 9);
    expect(account.balance).toBeCloseTo(10 - 1 + 0.1, 9);
  });

  it("holds a spent-out standard instance to its baseline", () => {
    const account = new CreditAccount(micro, "standard", 1);
    expect(account.capPct(100, 1)).toBe(100);
    account.record(120, 100);
    expect(account.balance).toBe(0);
    expect(account.capPct(100, 1)).toBe(10);
    expect(account.surplus).toBe(0);
  });

  it("lets a standard instance burst only as far as its balance pays for", () => {
    // 0.01 credits = 0.6 core-seconds: over the next second, baseline plus 60%.
    const account = new CreditAccount(micro, "standard", 0.01);
    expect(account.capPct(100, 1)).toBeCloseTo(70, 9);
    expect(account.capPct(100, 10)).toBeCloseTo(16, 9);
  });

  it("lets an unlimited instance go on bursting and counts the surplus it borrows", () => {
    const account = new CreditAccount(micro, "unlimited", 0);
    account.record(600, 100);
    expect(account.capPct(100, 1)).toBe(100);
    expect(account.surplus).toBeCloseTo(10 - 1, 9);
    // Later earnings repay the surplus before the balance grows.
    account.record(3600, 0);
    expect(account.surplus).toBeCloseTo(3, 9);
    expect(account.balance).toBe(0);
    expect(account.settleSurplus()).toBeCloseTo(3, 9);
    expect(account.surplus).toBe(0);
  });
});
