/**
 * Formatted empty volumes: for each offered size, an ext4 file system as a block set, served
 * beside the images (images/volumes/index.json) and verified like an image file.
 */
import * as v from "valibot";
import { fail, ok, type Result } from "../shared/errors.ts";
import { ImageFileSchema } from "./manifest.ts";

export const VOLUME_TEMPLATE_SIZES_MIB = [16, 64, 256, 1024] as const;

const VolumeTemplatesSchema = v.object({
  templates: v.array(
    v.object({ filesystem: v.literal("ext4"), sizeMib: v.pipe(v.number(), v.integer(), v.minValue(1)), file: ImageFileSchema }),
  ),
});
export type VolumeTemplates = v.InferOutput<typeof VolumeTemplatesSchema>;
export type VolumeTemplate = VolumeTemplates["templates"][number];

export function parseVolumeTemplates(data: unknown, source: string): Result<VolumeTemplates> {
  const parsed = v.safeParse(VolumeTemplatesSchema, data);
  if (parsed.success) return ok(parsed.output);
  return fail(
    "InvalidParameterValue",
    `The volume templates ${source} are not valid: ${parsed.issues.map((issue) => `${v.getDotPath(issue) ?? "(top)"}: ${issue.message}`).join("; ")}`,
  );
}
