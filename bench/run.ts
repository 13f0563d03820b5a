/**
 * npm run bench: every benchmark, one JSON line each. Build first (npm run bench does).
 *   BENCH_ONLY=node|bootcost|bootphases|hibernate|cpu|sg|net|files|chromium|boot|storage|aggregate|net-http|fleet|launch|memory|debian
 *   limits the set (chromium includes boot, storage, aggregate, net-http, launch, fleet and memory's Chromium half; boot is
 *   the boot, boot-phases and cpu-worker-vs-page lines in Chromium; memory is memory-overhead under Node and in Chromium;
 *   debian is debian-boot in Chromium and apt-install under Node);
 *   BENCH_RUNS sets repetitions.
 */
import { benchBootCost } from "./bootCost.ts";
import { benchBootPhases } from "./bootPhases.ts";
import { benchChromium } from "./chromium.ts";
import { benchCpuCap, benchCpuShares, benchIdle } from "./cpu.ts";
import { benchAptInstall } from "./debian.ts";
import { benchFileTransfer } from "./fileTransfer.ts";
import { benchHibernate } from "./hibernate.ts";
import { benchMemoryOverheadNode } from "./memoryOverhead.ts";
import { benchNet } from "./net.ts";
import { benchBootNode } from "./node.ts";
import { benchSgEval } from "./sgEval.ts";

const only = process.env.BENCH_ONLY;
const runs = Number(process.env.BENCH_RUNS ?? 3);

if (!only || only === "node") await benchBootNode(runs);
if (!only || only === "bootcost") await benchBootCost(runs);
if (!only || only === "bootphases") await benchBootPhases(runs);
if (!only || only === "hibernate") await benchHibernate();
if (!only || only === "cpu") {
  await benchCpuShares();
  await benchCpuCap();
  await benchIdle();
}
if (!only || only === "sg") benchSgEval(runs);
if (!only || only === "net") await benchNet(runs);
if (!only || only === "files") await benchFileTransfer();
if (!only || only === "memory") await benchMemoryOverheadNode();
if (!only || only === "debian") await benchAptInstall();
if (!only || only === "chromium") await benchChromium({ runs, rttSamples: 40 });
if (
  only === "boot" ||
  only === "storage" ||
  only === "aggregate" ||
  only === "net-http" ||
  only === "fleet" ||
  only === "launch" ||
  only === "memory" ||
  only === "debian"
)
  await benchChromium({ runs, rttSamples: 0, only });
process.exit(0);
