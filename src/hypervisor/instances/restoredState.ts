/**
 * What an instance kept in storage is after the tab that ran it went away (a reload, a closed
 * tab): no emulator survived, so whatever was under way has to end somewhere. Pure.
 */
import { instanceState, type Instance } from "./instance.ts";

export type RestoredState =
  /** Listed as it was (stopped, possibly hibernated, or terminated). */
  | { readonly kind: "as-kept"; readonly instance: Instance }
  /** Its termination was under way: its volumes go now, and it is terminated. */
  | { readonly kind: "finish-termination"; readonly instance: Instance }
  /** It was running (or about to): it boots again from its root volume. */
  | { readonly kind: "boot"; readonly instance: Instance }
  /** Its root was an instance store, which lived in the emulator's memory: it is gone. */
  | { readonly kind: "lost"; readonly instance: Instance };

const NOT_APPLICABLE = { system: "not-applicable", instance: "not-applicable" } as const;

/** `savedAtMs`: when the record was last written, which is as far as anything is known to have run. */
export function restoredState(instance: Instance, savedAtMs: number): RestoredState {
  switch (instance.state.name) {
    case "stopped":
    case "terminated":
      return { kind: "as-kept", instance };
    case "stopping":
      // A stop (or a hibernation) that did not finish: the volume holds what was flushed; a
      // saved state, if any, was kept before the record said stopped, so there is none to resume.
      return {
        kind: "as-kept",
        instance: { ...instance, state: instanceState("stopped"), hibernated: false, statusChecks: NOT_APPLICABLE },
      };
    case "shutting-down":
      return {
        kind: "finish-termination",
        instance: { ...instance, state: instanceState("terminated"), hibernated: false, statusChecks: NOT_APPLICABLE },
      };
    case "pending":
    case "running": {
      if (instance.rootDeviceType === "instance-store") {
        return {
          kind: "lost",
          instance: {
            ...instance,
            state: instanceState("terminated"),
            stateReason: {
              code: "Server.InternalError",
              message: "Server.InternalError: The tab running this instance was closed; its instance-store root volume was lost.",
            },
            statusChecks: NOT_APPLICABLE,
          },
        };
      }
      const since = new Date(savedAtMs).toISOString().slice(0, 19).replace("T", " ");
      return {
        kind: "boot",
        instance: {
          ...instance,
          state: instanceState("pending"),
          stateTransitionReason: `Booted again from its root volume after the lab's tab was closed or reloaded (${since} GMT)`,
          stateReason: {
            code: "Server.HostReload",
            message:
              "Server.HostReload: The tab running this instance was closed or reloaded; the instance was booted again from its root volume.",
          },
          statusChecks: { system: "initializing", instance: "initializing" },
        },
      };
    }
  }
}
