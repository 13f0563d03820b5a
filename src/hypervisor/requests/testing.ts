/** Test helpers shared by the request modules' tests: ids of every kind and an EC2-error matcher. */
import { expect } from "vitest";
import type { ErrorCode } from "../../shared/errors.ts";

export const INSTANCE_ID = "i-0123456789abcdef0";
export const OTHER_INSTANCE_ID = "i-00000000000000001";
export const VOLUME_ID = "vol-0123456789abcdef0";
export const SNAPSHOT_ID = "snap-0123456789abcdef0";
export const IMAGE_ID = "ami-0123456789abcdef0";

/** Expects `call` to throw an Ec2Error with this code and a message matching `message`. */
export function expectRefused(call: () => unknown, code: ErrorCode, message: RegExp): void {
  expect(call).toThrow(expect.objectContaining({ name: "Ec2Error", code, message: expect.stringMatching(message) }));
}
