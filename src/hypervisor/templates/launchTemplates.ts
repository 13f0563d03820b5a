/**
 * EC2's launch templates, kept: create, new versions, describe, the default version, delete, and
 * the request a launch from a template makes. Each change is computed from the current state,
 * stored, then applied and announced, one at a time (two creates of one name cannot both pass).
 */
import { Ec2Error } from "../../shared/errors.ts";
import type { LaunchTemplateStore } from "../../persistence/launchTemplateStore.ts";
import type { Tag } from "../instances/instance.ts";
import { findInstanceType } from "../instances/instanceTypes.ts";
import type { RunInstancesRequest } from "../requests/instances.ts";
import type {
  CreateLaunchTemplateRequest,
  CreateLaunchTemplateVersionRequest,
  DeleteLaunchTemplateRequest,
  DescribeLaunchTemplatesRequest,
  DescribeLaunchTemplateVersionsRequest,
  LaunchTemplateData,
  ModifyLaunchTemplateRequest,
} from "../requests/launchTemplates.ts";
import type { TemplateName } from "../requests/templateSpecifier.ts";
import { newResourceId } from "../resourceIds.ts";
import { launchRequestFrom } from "./launchFromTemplate.ts";
import { describeTemplate, describeVersion, type LaunchTemplate, type LaunchTemplateVersion, type TemplateRecord } from "./model.ts";
import { fromStored, toStored } from "./persist.ts";
import { dataFromSource, findVersion } from "./versions.ts";

/** The tags EC2 gives an instance launched from a template. */
export const TEMPLATE_ID_TAG = "aws:ec2launchtemplate:id";
const TEMPLATE_VERSION_TAG = "aws:ec2launchtemplate:version";

export interface LaunchTemplatesContext {
  readonly store: LaunchTemplateStore;
  /** A template was created, changed or deleted. */
  changed(): void;
  readonly random?: (bytes: Uint8Array) => void;
  readonly now?: () => Date;
}

export class LaunchTemplates {
  readonly #ctx: LaunchTemplatesContext;
  /** By id, in the order they were made. */
  readonly #templates = new Map<string, TemplateRecord>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(context: LaunchTemplatesContext) {
    this.#ctx = context;
  }

  /** Reads the kept templates back; returns the records that could not be read, with why. */
  async load(): Promise<{ readonly id: string; readonly reason: string }[]> {
    const unreadable: { id: string; reason: string }[] = [];
    const read: TemplateRecord[] = [];
    for (const stored of await this.#ctx.store.templates()) {
      const back = fromStored(stored);
      if (back.ok) read.push(back.record);
      else unreadable.push({ id: back.id, reason: back.reason });
    }
    this.#templates.clear();
    for (const record of read.sort((a, b) => a.createTime.localeCompare(b.createTime)))
      this.#templates.set(record.launchTemplateId, record);
    return unreadable;
  }

  describe(request: DescribeLaunchTemplatesRequest): LaunchTemplate[] {
    const { launchTemplateIds, launchTemplateNames } = request;
    if (launchTemplateIds === undefined && launchTemplateNames === undefined) return [...this.#templates.values()].map(describeTemplate);
    const wanted = new Set([
      ...(launchTemplateIds ?? []).map((launchTemplateId) => this.#find({ launchTemplateId })),
      ...(launchTemplateNames ?? []).map((launchTemplateName) => this.#find({ launchTemplateName })),
    ]);
    return [...this.#templates.values()].filter((record) => wanted.has(record)).map(describeTemplate);
  }

  describeVersions(request: DescribeLaunchTemplateVersionsRequest): LaunchTemplateVersion[] {
    const record = this.#find(request);
    const versions =
      request.versions === undefined
        ? record.versions
        : [...new Set(request.versions.map((version) => findVersion(record, version)))].sort((a, b) => a.versionNumber - b.versionNumber);
    return versions.map((version) => describeVersion(record, version));
  }

  async create(request: CreateLaunchTemplateRequest): Promise<LaunchTemplate> {
    return this.#run(() => {
      const name = request.launchTemplateName;
      if ([...this.#templates.values()].some((record) => record.launchTemplateName === name)) {
        throw new Ec2Error(
          "InvalidLaunchTemplateName.AlreadyExistsException",
          `Launch template name already in use: there is a launch template called ${name}. Choose another name, or add a version to that one.`,
        );
      }
      checkData(request.launchTemplateData);
      const createTime = this.#now();
      const record: TemplateRecord = {
        launchTemplateId: newResourceId("lt", this.#ctx.random),
        launchTemplateName: name,
        createTime,
        defaultVersionNumber: 1,
        versions: [
          { versionNumber: 1, versionDescription: request.versionDescription ?? "", createTime, data: request.launchTemplateData },
        ],
      };
      return record;
    }).then(describeTemplate);
  }

  async createVersion(request: CreateLaunchTemplateVersionRequest): Promise<LaunchTemplateVersion> {
    let made = 0;
    const record = await this.#run(() => {
      const template = this.#find(request);
      const source = request.sourceVersion === undefined ? {} : findVersion(template, request.sourceVersion).data;
      const data = dataFromSource(source, request.launchTemplateData);
      checkData(data);
      made = (template.versions.at(-1)?.versionNumber ?? 0) + 1;
      const version = { versionNumber: made, versionDescription: request.versionDescription ?? "", createTime: this.#now(), data };
      return { ...template, versions: [...template.versions, version] };
    });
    return describeVersion(record, findVersion(record, String(made)));
  }

  /** Makes a version the default (EC2's ModifyLaunchTemplate with DefaultVersion). */
  async modify(request: ModifyLaunchTemplateRequest): Promise<LaunchTemplate> {
    return this.#run(() => {
      const template = this.#find(request);
      return { ...template, defaultVersionNumber: findVersion(template, request.defaultVersion).versionNumber };
    }).then(describeTemplate);
  }

  /** Deletes the template and every version of it; instances launched from it are not touched, as on EC2. */
  async delete(request: DeleteLaunchTemplateRequest): Promise<LaunchTemplate> {
    return this.#enqueue(async () => {
      const template = this.#find(request);
      await this.#ctx.store.delete(template.launchTemplateId);
      this.#templates.delete(template.launchTemplateId);
      this.#ctx.changed();
      return describeTemplate(template);
    });
  }

  /**
   * The request a launch makes: the named version's data under the request's own parameters, and
   * the tags EC2 puts on an instance launched from a template (which template, which version); a
   * request without a template as it is.
   */
  launchRequest(request: RunInstancesRequest): { readonly request: RunInstancesRequest; readonly systemTags: readonly Tag[] } {
    const specification = request.launchTemplate;
    if (specification === undefined) return { request, systemTags: [] };
    const template = this.#find(specification);
    const version = findVersion(template, specification.version);
    return {
      request: launchRequestFrom(version.data, request),
      systemTags: [
        { key: TEMPLATE_ID_TAG, value: template.launchTemplateId },
        { key: TEMPLATE_VERSION_TAG, value: String(version.versionNumber) },
      ],
    };
  }

  #find(name: TemplateName): TemplateRecord {
    const { launchTemplateId, launchTemplateName } = name;
    if (launchTemplateId !== undefined) {
      const record = this.#templates.get(launchTemplateId);
      if (!record) throw new Ec2Error("InvalidLaunchTemplateId.NotFound", `The launch template ID '${launchTemplateId}' does not exist.`);
      return record;
    }
    const record = [...this.#templates.values()].find((candidate) => candidate.launchTemplateName === launchTemplateName);
    if (!record) {
      throw new Ec2Error(
        "InvalidLaunchTemplateName.NotFoundException",
        `The launch template name '${launchTemplateName ?? ""}' does not exist: see the launch templates with describeLaunchTemplates.`,
      );
    }
    return record;
  }

  /** Computes the template's new record from the state the change before left, stores it, then applies it. */
  #run(change: () => TemplateRecord): Promise<TemplateRecord> {
    return this.#enqueue(async () => {
      const record = change();
      await this.#ctx.store.put(toStored(record));
      this.#templates.set(record.launchTemplateId, record);
      this.#ctx.changed();
      return record;
    });
  }

  #enqueue<T>(action: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(action);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #now(): string {
    return (this.#ctx.now?.() ?? new Date()).toISOString();
  }
}

/** What a template can say wrong that its shape does not show: an instance type the catalog does not offer. */
function checkData(data: LaunchTemplateData): void {
  if (data.instanceType !== undefined && !findInstanceType(data.instanceType)) {
    throw new Ec2Error(
      "InvalidParameterValue",
      `The instance type '${data.instanceType}' does not exist. See describeInstanceTypes for the ones offered.`,
    );
  }
}
