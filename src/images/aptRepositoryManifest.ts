/**
 * The offline apt repository's manifest (public/apt/debian/repository.json, written by
 * images/write-repository-manifest.ts): every file of the archive, by its path as apt asks for
 * it, with its size and SHA-256. A file is served to a guest only after it verified.
 */
import * as v from "valibot";
import { fail, ok, type Result } from "../shared/errors.ts";

const RepositoryFileSchema = v.object({
  /** As apt asks for it below the archive's root: "dists/bookworm/InRelease", "pool/main/jq_1.6-2.1_i386.deb". */
  path: v.pipe(
    v.string(),
    v.regex(/^(dists|pool)\/[A-Za-z0-9._+~%/-]+$/, "must be a path below dists/ or pool/"),
    v.check((path) => !path.split("/").includes(".."), "must not climb out"),
  ),
  sizeBytes: v.pipe(v.number(), v.integer(), v.minValue(0)),
  sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
});

const RepositoryManifestSchema = v.object({
  schemaVersion: v.literal(1),
  /** The host name guests reach it by. */
  host: v.pipe(v.string(), v.regex(/^[a-z0-9.-]+$/)),
  /** The path below the host where the archive's root is ("/debian/"). */
  rootPath: v.pipe(v.string(), v.regex(/^\/([a-z0-9-]+\/)+$/)),
  description: v.string(),
  files: v.array(RepositoryFileSchema),
});

export type RepositoryManifest = v.InferOutput<typeof RepositoryManifestSchema>;
export type RepositoryFile = v.InferOutput<typeof RepositoryFileSchema>;

export function parseRepositoryManifest(data: unknown, source: string): Result<RepositoryManifest> {
  const parsed = v.safeParse(RepositoryManifestSchema, data);
  if (!parsed.success) {
    const where = parsed.issues
      .slice(0, 3)
      .map((issue) => `${v.getDotPath(issue) ?? "(top)"}: ${issue.message}`)
      .join("; ");
    return fail("InvalidParameterValue", `The apt repository manifest ${source} is not valid: ${where}`);
  }
  const paths = new Set<string>();
  for (const file of parsed.output.files) {
    if (paths.has(file.path)) return fail("InvalidParameterValue", `The apt repository manifest ${source} lists ${file.path} twice.`);
    paths.add(file.path);
  }
  return ok(parsed.output);
}
