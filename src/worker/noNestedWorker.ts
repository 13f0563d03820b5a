/**
 * Imported first by the browser worker entry, before v86 loads: with no Worker constructor in
 * sight, v86 does not start a nested helper worker per emulator just to yield between its
 * slices. InstanceWorker drives the main loop's yield itself (sameThreadYield).
 */
Reflect.deleteProperty(globalThis, "Worker");
