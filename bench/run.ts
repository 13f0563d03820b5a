/**
 * npm run bench: every benchmark, one JSON line each. Build first (npm run bench does).
 *   BENCH_ONLY=node|hibernate|cpu|sg|chromium|storage|aggregate limits the set (chromium includes the last two);
 *   BENCH_RUNS sets repetitions.
 */
import { benchChromium } from "./chromium.ts";
import { benchCpuCap, benchCpuShares, benchIdle } from "./cpu.ts";
import { benchHibernate } from "./hibernate.ts";
import { benchBootNode } from "./node.ts";
import { benchSgEval } from "./sgEval.ts";

const only = process.env.BENCH_ONLY;
const runs = Number(process.env.BENCH_RUNS ?? 3);

if (!only || only === "node") await benchBootNode(runs);
if (!only || only === "hibernate") await benchHibernate();
if (!only || only === "cpu") {
  await benchCpuShares();
  await benchCpuCap();
  await benchIdle();
}
if (!only || only === "sg") benchSgEval(runs);
if (!only || only === "chromium") await benchChromium({ runs, rttSamples: 40 });
if (only === "storage" || only === "aggregate") await benchChromium({ runs, rttSamples: 0, only });
process.exit(0);
