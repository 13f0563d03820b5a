/**
 * Instance records made by hand, for the modules that take a small context rather than a whole
 * hypervisor (registry, scheduler, sampler, disk flushing, agent watch, console, persistence).
 */
import "fake-indexeddb/auto";
import { indexedDB } from "fake-indexeddb";
import { openPersistence, type Persistence } from "../../persistence/persistence.ts";
import { CreditAccount } from "../capacity/cpuCredits.ts";
import { instanceState, NO_NETWORK, type Instance, type InstanceStateName } from "../instances/instance.ts";
import { findInstanceType } from "../instances/instanceTypes.ts";
import { DEFAULT_TERMINAL_SIZE } from "../instances/kernelCommandLine.ts";
import { newRuntime, type InstanceConfig, type InstanceRecord } from "../instances/record.ts";
import { InstanceMeter } from "../metering/meter.ts";
import { newInstanceId } from "../resourceIds.ts";
import { FakeWorkerHost, type FakeWorker } from "./fakeWorkerHost.ts";
import { testManifest, TEST_ROOT_VOLUME_BYTES } from "./testImages.ts";

export function testInstance(changes: Partial<Instance> = {}): Instance {
  const type = findInstanceType(changes.instanceType ?? "t3.micro");
  if (!type) throw new Error(`no instance type ${changes.instanceType}`);
  const rootDeviceType = changes.rootDeviceType ?? "ebs";
  return {
    instanceId: newInstanceId(),
    imageId: testManifest(rootDeviceType).imageId,
    instanceType: type.name,
    memoryMib: type.memoryMib,
    state: instanceState("running"),
    stateTransitionReason: "",
    stateReason: null,
    launchTime: "2026-01-01T00:00:00.000Z",
    tags: [],
    statusChecks: { system: "ok", instance: "ok" },
    rootDeviceType,
    rootDeviceName: "/dev/sda",
    disableApiTermination: false,
    instanceInitiatedShutdownBehavior: "stop",
    cpuCredits: type.burstable ? "unlimited" : null,
    hibernationOptions: { configured: false },
    hibernated: false,
    launchProgress: null,
    ...NO_NETWORK,
    ...changes,
  };
}

export function testRecord(changes: Partial<Instance> = {}, config: Partial<InstanceConfig> = {}): InstanceRecord {
  const instance = testInstance(changes);
  const type = findInstanceType(instance.instanceType);
  const burstable = type?.burstable ?? null;
  return {
    instance,
    config: {
      image: testManifest(instance.rootDeviceType),
      rootVolumeId: null,
      userData: null,
      launchUserData: null,
      networkInterfaceId: null,
      associatePublicIpAddress: false,
      hasRun: true,
      terminalSize: DEFAULT_TERMINAL_SIZE,
      meter: new InstanceMeter(instance.rootDeviceType === "ebs" ? TEST_ROOT_VOLUME_BYTES : 0, 0),
      credits: burstable && instance.cpuCredits ? new CreditAccount(burstable, instance.cpuCredits) : null,
      ...config,
    },
    runtime: newRuntime(),
  };
}

export function inState(state: InstanceStateName, changes: Partial<Instance> = {}): InstanceRecord {
  return testRecord({ state: instanceState(state), ...changes });
}

/** Gives the record a fake worker, as a boot does; returns the worker to script and inspect. */
export function withWorker(record: InstanceRecord, host: FakeWorkerHost = new FakeWorkerHost()): FakeWorker {
  record.runtime.worker = host.spawn(record.instance.instanceId);
  const worker = host.workers.at(-1);
  if (!worker) throw new Error("the fake host spawned no worker");
  return worker;
}

let databases = 0;

/** A fresh in-memory database for a module that needs a store; close() deletes it. */
export async function testPersistence(): Promise<Persistence> {
  const name = `tabcloud-unit-${++databases}-${newInstanceId()}`;
  return openPersistence({
    name,
    onClose: () =>
      new Promise<void>((resolve) => {
        const request = indexedDB.deleteDatabase(name);
        request.onsuccess = request.onerror = request.onblocked = () => resolve();
      }),
  });
}
