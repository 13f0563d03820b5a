/**
 * Launch templates as EC2 describes them (LaunchTemplate, LaunchTemplateVersion) and as the
 * hypervisor keeps them: one record per template holding every version, numbered from 1 in the
 * order they were made, and which of them is the default.
 */
import type { LaunchTemplateData } from "../requests/launchTemplates.ts";

/** EC2's LaunchTemplate. */
export interface LaunchTemplate {
  readonly launchTemplateId: string;
  readonly launchTemplateName: string;
  readonly createTime: string;
  readonly defaultVersionNumber: number;
  readonly latestVersionNumber: number;
}

/** EC2's LaunchTemplateVersion. */
export interface LaunchTemplateVersion {
  readonly launchTemplateId: string;
  readonly launchTemplateName: string;
  readonly versionNumber: number;
  readonly versionDescription: string;
  readonly createTime: string;
  readonly defaultVersion: boolean;
  readonly launchTemplateData: LaunchTemplateData;
}

export interface VersionRecord {
  readonly versionNumber: number;
  readonly versionDescription: string;
  readonly createTime: string;
  readonly data: LaunchTemplateData;
}

export interface TemplateRecord {
  readonly launchTemplateId: string;
  readonly launchTemplateName: string;
  readonly createTime: string;
  readonly defaultVersionNumber: number;
  /** Every version, oldest first; a template always has at least one. */
  readonly versions: readonly VersionRecord[];
}

export function describeTemplate(record: TemplateRecord): LaunchTemplate {
  return {
    launchTemplateId: record.launchTemplateId,
    launchTemplateName: record.launchTemplateName,
    createTime: record.createTime,
    defaultVersionNumber: record.defaultVersionNumber,
    latestVersionNumber: latestVersionNumber(record),
  };
}

export function describeVersion(record: TemplateRecord, version: VersionRecord): LaunchTemplateVersion {
  return {
    launchTemplateId: record.launchTemplateId,
    launchTemplateName: record.launchTemplateName,
    versionNumber: version.versionNumber,
    versionDescription: version.versionDescription,
    createTime: version.createTime,
    defaultVersion: version.versionNumber === record.defaultVersionNumber,
    launchTemplateData: version.data,
  };
}

export function latestVersionNumber(record: TemplateRecord): number {
  return record.versions.at(-1)?.versionNumber ?? 1;
}
