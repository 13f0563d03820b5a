/** What an instance's terminal can do now, in a line above it: the download, read-only, or the keys it answers. */
import { decide, type Instance } from "../hypervisor/index.ts";

export function terminalHint(instance: Instance): string {
  if (instance.state.name === "pending") {
    const progress = instance.launchProgress;
    return progress ? `Downloading image… ${Math.round((progress.loadedBytes / Math.max(1, progress.totalBytes)) * 100)}%` : "Booting…";
  }
  if (decide("sendConsoleInput", instance).kind === "proceed")
    return "Serial console (ttyS0) · Ctrl+Shift+C copy · Ctrl+V paste · Shift+Tab leaves";
  return `The instance is ${instance.state.name}; its console is read-only.`;
}
