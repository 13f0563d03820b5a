/**
 * The requests of EC2's image actions: downloading an image into this browser, CreateImage,
 * ImportImage, DeregisterImage and fast launch.
 */
import * as v from "valibot";
import type { LoadOptions } from "../../images/imageRepository.ts";
import {
  BytesSchema,
  DescriptionSchema,
  ImageIdSchema,
  ImageNameSchema,
  InstanceIdSchema,
  InstanceTypeNameSchema,
  listenerSchema,
  optionalRequest,
  requestObject,
  text,
} from "./common.ts";
import { parse } from "./parse.ts";

export interface CreateImageRequest {
  readonly name: string;
  readonly description?: string;
}

export interface ImportImageRequest {
  readonly name: string;
  /** A Linux kernel (bzImage). */
  readonly kernel: Uint8Array;
  /** A raw ext4 disk image. */
  readonly rootDisk: Uint8Array;
  /** The default image's command line unless given. */
  readonly kernelCommandLine?: string;
}

/** As long as an image manifest's kernel command line may be. */
const MAX_KERNEL_COMMAND_LINE_CHARS = 2048;

export function parseImageId(imageId: unknown): string {
  return parse(ImageIdSchema, imageId, "imageId");
}

export const parseDeregisterImage = parseImageId;

export interface EnableFastLaunchRequest {
  readonly imageId: string;
  /** The instance type whose memory the golden state is made for (default: the launch's default type). */
  readonly instanceType?: string;
}

const EnableFastLaunchSchema = requestObject<EnableFastLaunchRequest>({
  imageId: ImageIdSchema,
  instanceType: v.optional(InstanceTypeNameSchema),
});

export function parseEnableFastLaunch(request: unknown): EnableFastLaunchRequest {
  return parse(EnableFastLaunchSchema, request, "request");
}

export function parseDisableFastLaunch(request: unknown): { readonly imageId: string } {
  return parse(requestObject<{ readonly imageId: string }>({ imageId: ImageIdSchema }), request, "request");
}

const LoadOptionsSchema = requestObject<LoadOptions>({
  onProgress: v.optional(listenerSchema<Parameters<NonNullable<LoadOptions["onProgress"]>>[0]>()),
  signal: v.optional(v.instance(AbortSignal, "an AbortSignal")),
});

export function parseDownloadImage(imageId: unknown, options: unknown): { readonly imageId: string; readonly options: LoadOptions } {
  return { imageId: parseImageId(imageId), options: parse(optionalRequest(LoadOptionsSchema), options, "options") };
}

const CreateImageSchema = requestObject<CreateImageRequest>({
  name: ImageNameSchema,
  description: v.optional(DescriptionSchema),
});

export function parseCreateImage(
  instanceId: unknown,
  request: unknown,
): { readonly instanceId: string; readonly request: CreateImageRequest } {
  return {
    instanceId: parse(InstanceIdSchema, instanceId, "instanceId"),
    request: parse(optionalRequest(CreateImageSchema), request, "request"),
  };
}

const ImportImageSchema = requestObject<ImportImageRequest>({
  name: ImageNameSchema,
  kernel: BytesSchema,
  rootDisk: BytesSchema,
  kernelCommandLine: v.optional(
    text(MAX_KERNEL_COMMAND_LINE_CHARS, `The kernel command line must be text of at most ${MAX_KERNEL_COMMAND_LINE_CHARS} characters.`),
  ),
});

/** The files' contents (a kernel that boots, an ext4 disk) are checked by the import itself. */
export function parseImportImage(request: unknown): ImportImageRequest {
  return parse(optionalRequest(ImportImageSchema), request, "request");
}
