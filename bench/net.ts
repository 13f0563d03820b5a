/**
 * The VPC under Node, guest to guest through the fabric's worker as in the browser: ping's round
 * trip between two idle instances, one TCP stream's throughput, and the ping between two while a
 * third floods the switch.
 */
import type { Hypervisor, Instance } from "../src/hypervisor/index.ts";
import { createNodeHypervisor } from "../src/hypervisor/node.ts";
import { median, percentile, report, round } from "./stats.ts";

const PINGS = 50;
const PING_INTERVAL_S = 0.2;
const TCP_BYTES = 8 * 1024 * 1024;
const TCP_PORT = 5201;

const TARGETS = { rttMedianMs: 5, mbitPerS: 20 } as const;

/** Runs a guest command and returns its output, throwing with its stderr when it exits non-zero. */
async function sh(hypervisor: Hypervisor, id: string, command: string, timeoutMs = 60_000): Promise<string> {
  const result = await hypervisor.runCommand(id, command, { timeoutMs });
  if (result.exitCode !== 0) throw new Error(`"${command}" on ${id} exited ${result.exitCode}: ${result.stdout}${result.stderr}`);
  return result.stdout;
}

async function ready(hypervisor: Hypervisor, id: string): Promise<Instance> {
  for (;;) {
    const [instance] = hypervisor.describeInstances({ instanceIds: [id] });
    if (instance?.state.name === "running" && instance.statusChecks.instance === "ok") return instance;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Launches a t3.micro and waits until its agent answers and eth0 has its lease (udhcpc runs in the background at boot). */
async function launch(hypervisor: Hypervisor): Promise<Instance> {
  const [launched] = await hypervisor.runInstances({ instanceType: "t3.micro" });
  if (!launched) throw new Error("no instance launched");
  const instance = await ready(hypervisor, launched.instanceId);
  await sh(
    hypervisor,
    instance.instanceId,
    `for i in $(seq 100); do ip -4 -o addr show eth0 | grep -q ' ${instance.privateIpAddress}/' && exit 0; sleep 0.2; done; exit 1`,
  );
  return instance;
}

/** The round trips of a guest ping, in ms, read from each reply's time=. */
function pingTimesMs(output: string): number[] {
  return [...output.matchAll(/time=([\d.]+) ms/g)].map((match) => Number(match[1]));
}

async function ping(hypervisor: Hypervisor, from: Instance, to: Instance): Promise<number[]> {
  const output = await sh(hypervisor, from.instanceId, `ping -c ${PINGS} -i ${PING_INTERVAL_S} ${to.privateIpAddress}`, 120_000);
  const times = pingTimesMs(output);
  if (times.length === 0) throw new Error(`no ping replies from ${to.privateIpAddress}: ${output}`);
  return times;
}

function rtt(times: readonly number[]): { replies: number; rttMedianMs: number; rttP95Ms: number } {
  return { replies: times.length, rttMedianMs: round(median(times), 2), rttP95Ms: round(percentile(times, 95), 2) };
}

/** The guest's clock in seconds, to the hundredth (BusyBox date has no sub-second format). */
const UPTIME = '$(cut -d" " -f1 /proc/uptime)';

/**
 * One stream from a to b: b's listener notes its own clock at the first byte and at the stream's
 * end, so the figure is the transfer alone, not the commands that set it up. What arrives goes to
 * b's /tmp (a tmpfs), read by cat: BusyBox wc would cost the guest more than the stream does.
 */
async function tcpStream(hypervisor: Hypervisor, a: Instance, b: Instance, run: number): Promise<number> {
  const port = TCP_PORT + run;
  const result = `/tmp/tcp-${run}`;
  // The listener keeps its own sending side open (BusyBox nc closes the connection when its input
  // ends) and outlives the command that starts it (the agent ends a command's children).
  const receive =
    `sleep 300 | nc -l -p ${port} | { dd bs=1 count=1 of=/dev/null 2>/dev/null; s=${UPTIME}; cat > /tmp/stream; e=${UPTIME}; ` +
    `echo "$s $e $(stat -c %s /tmp/stream)" > ${result}; rm /tmp/stream; }`;
  const listening = `grep -q ':${port.toString(16).toUpperCase().padStart(4, "0")} 00000000:0000 0A' /proc/net/tcp`;
  await sh(
    hypervisor,
    b.instanceId,
    `setsid sh -c '${receive}' > /dev/null 2>&1 < /dev/null & for i in $(seq 100); do ${listening} && exit 0; sleep 0.05; done; exit 1`,
  );
  await sh(
    hypervisor,
    a.instanceId,
    `dd if=/dev/zero bs=65536 count=${TCP_BYTES / 65536} 2>/dev/null | nc ${b.privateIpAddress} ${port}`,
    300_000,
  );
  const line = await sh(hypervisor, b.instanceId, `for i in $(seq 300); do [ -s ${result} ] && break; sleep 0.1; done; cat ${result}`);
  const [start, end, count] = line.trim().split(" ").map(Number);
  if (start === undefined || end === undefined || count !== TCP_BYTES - 1) throw new Error(`the stream arrived incomplete: "${line}"`);
  return (TCP_BYTES * 8) / (end - start) / 1e6;
}

/** Parallel pings at the shortest interval BusyBox takes whole (its -i 0 starves the guest's own agent). */
const FLOOD_PINGS = 4;

/**
 * Floods the target with full-size ICMP from a command that returns at once, for `seconds`
 * (BusyBox nc has no UDP mode, and its ping has no -f).
 */
function pingFlood(target: Instance, seconds: number): string {
  const one = `ping -q -i 0.01 -s 1400 -w ${seconds} ${target.privateIpAddress} > /dev/null 2>&1 &`;
  return `setsid sh -c '${Array.from({ length: FLOOD_PINGS }, () => one).join(" ")}' > /dev/null 2>&1 < /dev/null`;
}

export async function benchNet(runs: number): Promise<void> {
  const hypervisor = await createNodeHypervisor();
  try {
    await hypervisor.describeImages();
    const a = await launch(hypervisor);
    const b = await launch(hypervisor);
    // Warm-up: fills both ARP caches, and has v86 compile the guests' network paths, as a
    // long-running instance has them compiled.
    await sh(hypervisor, a.instanceId, `ping -c 20 -i 0.05 ${b.privateIpAddress}`);

    const idle = await ping(hypervisor, a, b);
    report({ bench: "net-ping", env: "node", ...rtt(idle), targetMs: TARGETS.rttMedianMs, met: median(idle) <= TARGETS.rttMedianMs });

    const rates: number[] = [];
    await tcpStream(hypervisor, a, b, 0);
    for (let run = 1; run <= Math.max(3, runs); run++) rates.push(await tcpStream(hypervisor, a, b, run));
    report({
      bench: "net-tcp",
      env: "node",
      bytes: TCP_BYTES,
      runs: rates.length,
      mbitPerS: round(median(rates)),
      allMbitPerS: rates.map((rate) => round(rate)),
      target: TARGETS.mbitPerS,
      met: median(rates) >= TARGETS.mbitPerS,
    });

    // The third instance is running in both measurements, so the CPU shares are the same and
    // only the flood differs.
    const flooder = await launch(hypervisor);
    const before = rtt(await ping(hypervisor, a, b));
    const floodSeconds = Math.ceil(PINGS * PING_INTERVAL_S) + 20;
    const sent = () => sh(hypervisor, flooder.instanceId, "cat /sys/class/net/eth0/statistics/tx_packets").then(Number);
    const sentBefore = await sent();
    await sh(hypervisor, flooder.instanceId, pingFlood(b, floodSeconds));
    const floodStart = performance.now();
    const during = rtt(await ping(hypervisor, a, b));
    const floodFramesPerS = (await sent()) - sentBefore;
    report({
      bench: "net-flood",
      env: "node",
      flood: `a third instance pings the second with ${FLOOD_PINGS} pings of 1400 bytes every 10 ms`,
      floodFramesPerS: Math.round(floodFramesPerS / ((performance.now() - floodStart) / 1000)),
      idle: before,
      flooded: { ...during, lost: PINGS - during.replies },
      medianRatio: round(during.rttMedianMs / before.rttMedianMs, 2),
      p95Ratio: round(during.rttP95Ms / before.rttP95Ms, 2),
    });
  } finally {
    await hypervisor.shutdownAll();
  }
}
