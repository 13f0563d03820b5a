import { describe, expect, it } from "vitest";
import { EBS_PRICE_PER_GIB_MONTH_USD, InstanceMeter, SECONDS_PER_MONTH } from "./meter.ts";

const PRICE = 0.0104; // t3.micro per hour
const perSecond = PRICE / 3600;
const GIB = 1024 ** 3;
const s = (seconds: number) => seconds * 1000;

describe("InstanceMeter", () => {
  it("bills at least 60 seconds for each start, from the first second", () => {
    const meter = new InstanceMeter(0, 0);
    meter.startRun(PRICE, 0);
    expect(meter.bill(s(5)).computeUsd).toBeCloseTo(60 * perSecond, 12);
    expect(meter.bill(s(5)).billedSeconds).toBe(60);
  });

  it("bills per second after the first minute", () => {
    const meter = new InstanceMeter(0, 0);
    meter.startRun(PRICE, 0);
    expect(meter.bill(s(90.5)).computeUsd).toBeCloseTo(90.5 * perSecond, 12);
  });

  it("charges a new minimum for each start, but not for a reboot", () => {
    const meter = new InstanceMeter(0, 0);
    meter.startRun(PRICE, 0);
    meter.endRun(s(10));
    meter.startRun(PRICE, s(100));
    // A reboot keeps the run open: the hypervisor does not call startRun again, and a repeat is ignored.
    meter.startRun(PRICE, s(105));
    meter.endRun(s(130));
    expect(meter.bill(s(1000)).billedSeconds).toBe(60 + 60);
  });

  it("charges nothing for compute while stopped", () => {
    const meter = new InstanceMeter(0, 0);
    meter.startRun(PRICE, 0);
    meter.endRun(s(120));
    const atStop = meter.bill(s(120)).computeUsd;
    expect(meter.bill(s(10_000)).computeUsd).toBe(atStop);
  });

  it("bills each run at its own type's price after a type change", () => {
    const meter = new InstanceMeter(0, 0);
    meter.startRun(PRICE, 0);
    meter.endRun(s(120));
    meter.startRun(PRICE * 2, s(200));
    meter.endRun(s(320));
    expect(meter.bill(s(400)).computeUsd).toBeCloseTo(120 * perSecond + 120 * 2 * perSecond, 12);
  });

  it("bills the root volume per GiB-month while it exists, stopped or not, and stops at deletion", () => {
    const meter = new InstanceMeter(8 * GIB, 0);
    const month = s(SECONDS_PER_MONTH);
    expect(meter.bill(month).storageUsd).toBeCloseTo(8 * EBS_PRICE_PER_GIB_MONTH_USD, 9);
    meter.deleteVolume(month);
    expect(meter.bill(2 * month).storageUsd).toBeCloseTo(8 * EBS_PRICE_PER_GIB_MONTH_USD, 9);
    expect(meter.bill(2 * month).accruing).toBe(false);
  });

  it("charges settled surplus credits at $0.05 per vCPU-hour", () => {
    const meter = new InstanceMeter(0, 0);
    meter.chargeSurplusCredits(120);
    expect(meter.bill(0).creditsUsd).toBeCloseTo(0.1, 12);
  });
});
