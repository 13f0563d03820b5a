/**
 * ESLint: typescript-eslint's and eslint-plugin-svelte's recommended rules (none of them about
 * layout: Prettier owns that), the globals each kind of file runs with, and the layers of
 * layers.js as no-restricted-imports rules.
 */
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import svelte from "eslint-plugin-svelte";
import globals from "globals";
import tseslint from "typescript-eslint";
import { LAYERS, OUTSIDE_SRC, PACKAGE_EXCEPTIONS, PACKAGES } from "./layers.js";

/** Files that run under Node: tests, benchmarks, build scripts, configs and the Node side of workers. */
const NODE_FILES = [
  "*.{js,ts}",
  "tests/**",
  "bench/**",
  "e2e/**",
  "images/**",
  "src/**/*.test.ts",
  "src/labs/labsCheck.ts",
  "src/worker/nodeEntry.ts",
  "src/worker/nodeBootstrap.mjs",
  "src/hypervisor/platform/node*.ts",
  "src/net/node*.ts",
];

/** How deep the folders of a layer go: one rule block per depth, since imports are relative. */
const MAX_DEPTH = 5;
const SOURCE = "{ts,svelte,js,mjs}";

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A regex for relative imports (from `up`, the path back to src/) of the part of src/ at `path`. */
function importOf(up, path) {
  const target = path.replace(/^src\//, "");
  return target.endsWith(".ts") ? `^${escape(up + target.replace(/\.ts$/, ""))}(\\.ts)?$` : `^${escape(up + target)}(/|$)`;
}

function allowedList(layer) {
  const paths = Object.entries(layer.imports).flatMap(([name, files]) => {
    const folder = LAYERS.find((other) => other.name === name).files[0];
    return files === "*" ? [folder] : files.map((file) => `${folder}/${file}`);
  });
  return paths.length ? `It may import ${paths.join(", ")}.` : "It imports nothing of ours.";
}

/** The no-restricted-imports patterns for a file of `layer` whose way back to src/ is `up`. */
function patternsFor(layer, up) {
  const patterns = [];
  const home = layer.files.join(", ");
  for (const other of LAYERS) {
    if (other === layer) continue;
    const allowed = layer.imports[other.name];
    if (allowed === "*") continue;
    for (const path of other.files) {
      if (allowed === undefined) {
        patterns.push({
          regex: importOf(up, path),
          caseSensitive: true,
          message: `${home} may not import ${path}: ${layer.name} is ${layer.why}. ${layer.instead ?? ""} ${allowedList(layer)}`.replace(
            "  ",
            " ",
          ),
        });
      } else {
        const entries = allowed.map((file) => escape(file)).join("|");
        patterns.push({
          regex: `^${escape(up + path.replace(/^src\//, ""))}/(?!(${entries})$)`,
          caseSensitive: true,
          message: `${home} reaches ${path} only through ${allowed.map((file) => `${path}/${file}`).join(" or ")}: the files behind it are its own. Import from there instead.`,
        });
      }
    }
  }
  for (const [name, rule] of Object.entries(PACKAGES)) {
    if (rule.layers.includes(layer.name)) continue;
    const exceptions = (PACKAGE_EXCEPTIONS[layer.name] ?? []).filter((spec) => spec.startsWith(`${name}/`));
    const except = exceptions.length ? `(?!(${exceptions.map((spec) => escape(spec.slice(name.length))).join("|")})$)` : "";
    patterns.push({
      regex: `^${escape(name)}${except}(/|$)`,
      caseSensitive: true,
      message: `${home} may not import ${name}: ${rule.why}.`,
    });
  }
  return patterns;
}

function layerRules() {
  const blocks = [];
  for (const layer of LAYERS) {
    for (const path of layer.files) {
      const targets = path.endsWith(".ts")
        ? [{ files: [path], up: "./" }]
        : Array.from({ length: MAX_DEPTH + 1 }, (_, depth) => ({
            files: [`${path}/${"*/".repeat(depth)}*.${SOURCE}`],
            up: "../".repeat(depth + 1),
          }));
      for (const { files, up } of targets) {
        blocks.push({
          name: `layers: ${layer.name} (${files[0]})`,
          files,
          rules: { "no-restricted-imports": ["error", { patterns: patternsFor(layer, up) }] },
        });
      }
    }
  }
  const entries = OUTSIDE_SRC.hypervisor.map(escape).join("|");
  blocks.push({
    name: "layers: outside src",
    files: OUTSIDE_SRC.files.map((folder) => `${folder}/**`),
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: `^(\\.\\./)+src/hypervisor/(?!(${entries})$)`,
              caseSensitive: true,
              message: `Code outside src/ reaches the hypervisor only through ${OUTSIDE_SRC.hypervisor.map((file) => `src/hypervisor/${file}`).join(", ")}: the files behind them are its own. Import from there instead.`,
            },
          ],
        },
      ],
    },
  });
  return blocks;
}

export default defineConfig(
  { ignores: ["dist/", "public/", "test-results/", "playwright-report/", "images/**/rootfs/", "e2e/screenshots/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  svelte.configs.recommended,
  svelte.configs.prettier,
  {
    files: ["**/*.svelte", "**/*.svelte.ts"],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: [".svelte"] } },
  },
  {
    rules: {
      // Unused names are compile errors already (noUnusedLocals); these let a parameter or a
      // destructured rest say it is unused on purpose.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
    },
  },
  { files: ["src/**"], languageOptions: { globals: globals.browser } },
  { files: ["src/worker/**"], languageOptions: { globals: globals.worker } },
  { files: ["src/sw.ts", "src/swPublicAddresses.ts"], languageOptions: { globals: globals.serviceworker } },
  { files: NODE_FILES, languageOptions: { globals: globals.node } },
  ...layerRules(),
);
