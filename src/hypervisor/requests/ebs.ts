/**
 * The requests of EC2's EBS actions: describing, creating, attaching, detaching, deleting,
 * exporting and importing volumes; creating, describing and deleting snapshots. Volume tags
 * are the same schema as instance tags.
 */
import * as v from "valibot";
import { MAX_VOLUME_MIB, MIN_VOLUME_MIB } from "../ebs/volumes.ts";
import type { Tag } from "../instances/instance.ts";
import {
  BytesSchema,
  DescriptionSchema,
  describedIds,
  InstanceIdSchema,
  optionalRequest,
  requestObject,
  SnapshotIdSchema,
  TagsSchema,
  VolumeIdSchema,
  VolumeNameSchema,
  wholeNumber,
} from "./common.ts";
import { checkWithCode, parse, type RequestSchema } from "./parse.ts";

export interface DescribeVolumesRequest {
  readonly volumeIds?: readonly string[];
}

export interface DescribeSnapshotsRequest {
  readonly snapshotIds?: readonly string[];
}

export interface CreateVolumeRequest {
  /** A new volume's size; leave it out for a volume made from a snapshot, which has the snapshot's. */
  readonly sizeMib?: number;
  readonly snapshotId?: string;
  /** An empty ext4 file system, ready to mount; a raw volume (all zeros) without it. */
  readonly filesystem?: "ext4";
  readonly tags?: readonly Tag[];
}

export interface ImportVolumeRequest {
  /** The new volume's Name tag. */
  readonly name?: string;
}

const DescribeVolumesSchema = requestObject<DescribeVolumesRequest>({
  volumeIds: v.optional(describedIds(VolumeIdSchema, "volume id")),
});

export function parseDescribeVolumes(request: unknown): DescribeVolumesRequest {
  return parse(optionalRequest(DescribeVolumesSchema), request, "request");
}

const DescribeSnapshotsSchema = requestObject<DescribeSnapshotsRequest>({
  snapshotIds: v.optional(describedIds(SnapshotIdSchema, "snapshot id")),
});

export function parseDescribeSnapshots(request: unknown): DescribeSnapshotsRequest {
  return parse(optionalRequest(DescribeSnapshotsSchema), request, "request");
}

/** The request as a mapped type: forward wants a record, which an interface is not. */
type VolumeSource = Pick<CreateVolumeRequest, keyof CreateVolumeRequest>;

const CreateVolumeSchema: RequestSchema<CreateVolumeRequest> = v.pipe(
  requestObject<CreateVolumeRequest>({
    sizeMib: v.optional(
      wholeNumber(MIN_VOLUME_MIB, MAX_VOLUME_MIB, `A volume's size is a whole number of MiB from ${MIN_VOLUME_MIB} to ${MAX_VOLUME_MIB}.`),
    ),
    snapshotId: v.optional(SnapshotIdSchema),
    filesystem: v.optional(v.pipe(v.string("'ext4'"), v.picklist(["ext4"], "'ext4' (or nothing, for a raw volume)"))),
    tags: v.optional(TagsSchema),
  }),
  checkWithCode(
    "MissingParameter",
    (request: VolumeSource) => request.sizeMib !== undefined || request.snapshotId !== undefined,
    "Give the volume's size (sizeMib) or a snapshot to create it from (snapshotId).",
  ),
  v.forward(
    v.check(
      (request: VolumeSource) => request.snapshotId === undefined || request.sizeMib === undefined,
      "A volume made from a snapshot has the snapshot's size: leave out sizeMib.",
    ),
    ["sizeMib"],
  ),
  v.forward(
    v.check(
      (request: VolumeSource) => request.snapshotId === undefined || request.filesystem === undefined,
      "A volume made from a snapshot has the snapshot's file system: leave out filesystem.",
    ),
    ["filesystem"],
  ),
);

export function parseCreateVolume(request: unknown): CreateVolumeRequest {
  return parse(optionalRequest(CreateVolumeSchema), request, "request");
}

export function parseVolumeId(volumeId: unknown): string {
  return parse(VolumeIdSchema, volumeId, "volumeId");
}

export const parseDetachVolume = parseVolumeId;
export const parseDeleteVolume = parseVolumeId;
export const parseExportVolume = parseVolumeId;

export function parseAttachVolume(volumeId: unknown, instanceId: unknown): { readonly volumeId: string; readonly instanceId: string } {
  return { volumeId: parseVolumeId(volumeId), instanceId: parse(InstanceIdSchema, instanceId, "instanceId") };
}

export function parseCreateSnapshot(
  volumeId: unknown,
  description: unknown,
): { readonly volumeId: string; readonly description: string | undefined } {
  return { volumeId: parseVolumeId(volumeId), description: parse(v.optional(DescriptionSchema), description, "description") };
}

export function parseDeleteSnapshot(snapshotId: unknown): string {
  return parse(SnapshotIdSchema, snapshotId, "snapshotId");
}

const MAX_IMPORT_BYTES = MAX_VOLUME_MIB * 1024 * 1024;

const DiskImageSchema = v.pipe(
  BytesSchema,
  v.check(
    (bytes: Uint8Array) => bytes.byteLength > 0 && bytes.byteLength <= MAX_IMPORT_BYTES,
    (issue) => `A disk image holds 1 byte to ${MAX_VOLUME_MIB} MiB; this one has ${issue.input.byteLength} bytes.`,
  ),
);

const ImportVolumeSchema = requestObject<ImportVolumeRequest>({ name: v.optional(VolumeNameSchema) });

export function parseImportVolume(bytes: unknown, request: unknown): { readonly bytes: Uint8Array; readonly request: ImportVolumeRequest } {
  return { bytes: parse(DiskImageSchema, bytes, "bytes"), request: parse(optionalRequest(ImportVolumeSchema), request, "request") };
}
