/**
 * npm run labs:check: validates every lab file in src/labs/content (schema, instance types,
 * images of the served catalog, prerequisites, a check in every step) and exits non-zero with
 * the errors listed, one a line.
 */
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { formatLabError, parseLabs } from "./parse.ts";

const contentDir = fileURLToPath(new URL("./content/", import.meta.url));
const catalogFile = fileURLToPath(new URL("../../public/images/index.json", import.meta.url));

const names = (await readdir(contentDir)).filter((name) => name.endsWith(".md")).sort();
const files = await Promise.all(
  names.map(async (name) => ({ file: `labs/${name}`, text: await readFile(`${contentDir}${name}`, "utf8") })),
);
const catalog = JSON.parse(await readFile(catalogFile, "utf8")) as { images: { name: string }[] };
const { labs, errors } = parseLabs(files, { imageNames: catalog.images.map((image) => image.name), fileNameMatchesId: true });

for (const lab of labs) {
  const checks = lab.steps.reduce((sum, step) => sum + step.checks.length, 0);
  console.log(`ok   labs/${lab.id}.md: ${lab.steps.length} steps, ${checks} checks, ${lab.minutes} min`);
}
for (const error of errors) console.error(`FAIL ${formatLabError(error)}`);
if (names.length === 0) console.error(`FAIL no lab files in ${contentDir}`);
console.log(`${labs.length} labs valid, ${errors.length} errors`);
process.exit(errors.length > 0 || names.length === 0 ? 1 : 0);
