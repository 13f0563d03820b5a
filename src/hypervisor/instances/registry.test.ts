import { afterEach, describe, expect, it, vi } from "vitest";
import { inState, testRecord, withWorker } from "../testing/records.ts";
import { instanceState } from "./instance.ts";
import type { InstanceRecord } from "./record.ts";
import { InstanceRegistry } from "./registry.ts";

const VISIBLE_MS = 5000;

function registry() {
  const changed: InstanceRecord[] = [];
  const removed: InstanceRecord[] = [];
  const instances = new InstanceRegistry({
    changed: (record) => changed.push(record),
    removed: (record) => removed.push(record),
    terminatedVisibleMs: VISIBLE_MS,
  });
  return { instances, changed, removed };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("looking instances up", () => {
  it("answers a malformed id with InvalidInstanceID.Malformed, naming the id", () => {
    const { instances } = registry();
    for (const id of ["i-123", "vol-0123456789abcdef0", "I-0123456789ABCDEF0", ""]) {
      expect(() => instances.get(id)).toThrow(
        expect.objectContaining({ code: "InvalidInstanceID.Malformed", message: expect.stringContaining(`'${id}'`) }),
      );
    }
  });

  it("answers a well-formed unknown id with InvalidInstanceID.NotFound", () => {
    const { instances } = registry();
    instances.add(testRecord());
    expect(() => instances.get("i-0123456789abcdef0")).toThrow(
      expect.objectContaining({ code: "InvalidInstanceID.NotFound", message: expect.stringContaining("i-0123456789abcdef0") }),
    );
    expect(instances.find("i-0123456789abcdef0")).toBeUndefined();
  });

  it("refuses a list with one unknown id among known ones", () => {
    const { instances } = registry();
    const known = testRecord();
    instances.add(known);
    expect(() => instances.getAll([known.instance.instanceId, "i-00000000000000001"])).toThrow(
      expect.objectContaining({ code: "InvalidInstanceID.NotFound" }),
    );
    expect(instances.getAll([known.instance.instanceId])).toEqual([known]);
  });

  it("counts live instances (not terminated ones) and lists only running ones with an emulator as running", () => {
    const { instances } = registry();
    const withEmulator = inState("running");
    withWorker(withEmulator);
    const lostEmulator = inState("running");
    for (const record of [withEmulator, lostEmulator, inState("stopped"), inState("terminated")]) instances.add(record);
    expect(instances.liveCount()).toBe(3);
    expect(instances.running()).toEqual([withEmulator]);
  });

  it("refuses to talk to an emulator that is not there, and first asks the lifecycle table", () => {
    const { instances } = registry();
    const running = inState("running");
    const stopped = inState("stopped");
    instances.add(running);
    instances.add(stopped);
    expect(() => instances.withEmulator(running.instance.instanceId, "sendConsoleInput")).toThrow(
      expect.objectContaining({ code: "IncorrectInstanceState", message: expect.stringContaining("no running emulator") }),
    );
    expect(() => instances.withEmulator(stopped.instance.instanceId, "sendConsoleInput")).toThrow(
      expect.objectContaining({ code: "IncorrectInstanceState", message: expect.stringContaining("is stopped") }),
    );
  });
});

describe("changes", () => {
  it("announces every change and replaces the described instance whole", () => {
    const { instances, changed } = registry();
    const record = testRecord();
    instances.add(record);
    const before = record.instance;
    instances.update(record, { tags: [{ key: "Name", value: "web" }] });
    expect(changed).toEqual([record]);
    expect(record.instance).not.toBe(before);
    expect(before.tags).toEqual([]);
    expect(record.instance.tags).toEqual([{ key: "Name", value: "web" }]);
  });

  it("starts each transition in a new generation", () => {
    const { instances } = registry();
    const record = testRecord();
    instances.add(record);
    const first = instances.begin(record, { state: instanceState("stopping") });
    const second = instances.begin(record, { state: instanceState("stopped") });
    expect(second).toBe(first + 1);
    expect(record.runtime.generation).toBe(second);
  });

  it("never hands out an id it already holds", () => {
    const { instances } = registry();
    const id = instances.freshId();
    expect(id).toMatch(/^i-[0-9a-f]{17}$/);
    instances.add(testRecord({ instanceId: id }));
    expect(instances.freshId()).not.toBe(id);
  });
});

describe("a terminated instance's listing", () => {
  it("is removed after the delay, and announced", () => {
    vi.useFakeTimers();
    const { instances, removed } = registry();
    const record = inState("terminated");
    instances.add(record);
    instances.forgetLater(record);
    vi.advanceTimersByTime(VISIBLE_MS - 1);
    expect(instances.has(record)).toBe(true);
    vi.advanceTimersByTime(1);
    expect(instances.has(record)).toBe(false);
    expect(() => instances.get(record.instance.instanceId)).toThrow(expect.objectContaining({ code: "InvalidInstanceID.NotFound" }));
    expect(removed).toEqual([record]);
  });

  it("stays when the instance is no longer terminated by then", () => {
    vi.useFakeTimers();
    const { instances, removed } = registry();
    const record = inState("terminated");
    instances.add(record);
    instances.forgetLater(record);
    instances.update(record, { state: instanceState("running") });
    vi.advanceTimersByTime(VISIBLE_MS);
    expect(instances.has(record)).toBe(true);
    expect(removed).toEqual([]);
  });
});

describe("instance types", () => {
  it("gives the record's type from the catalog, and fails loudly for one the catalog lacks", () => {
    const { instances } = registry();
    expect(instances.typeOf(testRecord({ instanceType: "c5.large" })).memoryMib).toBe(256);
    expect(() => instances.typeOf(testRecord({ instanceType: "t3.micro" }))).not.toThrow();
    const record = testRecord();
    record.instance = { ...record.instance, instanceType: "x9.huge" };
    expect(() => instances.typeOf(record)).toThrow("x9.huge");
  });
});
