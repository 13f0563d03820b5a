/**
 * The console's view of launch templates: the templates and each one's versions as reactive
 * state, read again whenever one changes, and the actions the Launch templates page, the
 * instance actions and the launch dialog offer, each returning a Result so the dialog that asked
 * shows EC2's error where the person is looking.
 */
import type { Hypervisor, Instance, LaunchTemplate, LaunchTemplateVersion } from "../hypervisor/index.ts";
import { ok, toCloudError, type Result } from "../shared/errors.ts";
import { dataFromInstance, templateData, versionData, type TemplateForm } from "./launchTemplateForm.ts";

export class LaunchTemplatesState {
  readonly #hypervisor: Hypervisor;
  templates = $state.raw<LaunchTemplate[]>([]);
  /** Each template's versions, oldest first, by template id. */
  versions = $state.raw<Readonly<Record<string, readonly LaunchTemplateVersion[]>>>({});
  readonly #unsubscribe: () => void;

  constructor(hypervisor: Hypervisor) {
    this.#hypervisor = hypervisor;
    this.#read();
    this.#unsubscribe = hypervisor.subscribe((event) => {
      if (event.type === "launch-templates-changed") this.#read();
    });
  }

  dispose(): void {
    this.#unsubscribe();
  }

  versionsOf(launchTemplateId: string): readonly LaunchTemplateVersion[] {
    return this.versions[launchTemplateId] ?? [];
  }

  /** The version launches use when they name none. */
  defaultVersionOf(launchTemplateId: string): LaunchTemplateVersion | undefined {
    return this.versionsOf(launchTemplateId).find((version) => version.defaultVersion);
  }

  create(launchTemplateName: string, versionDescription: string, form: TemplateForm): Promise<Result<LaunchTemplate>> {
    return attempt(() =>
      this.#hypervisor.createLaunchTemplate({
        launchTemplateName: launchTemplateName.trim(),
        versionDescription,
        launchTemplateData: templateData(form),
      }),
    );
  }

  /**
   * A new version: the form's settings (which start from the source version's), and the source's
   * settings the form does not show. No source: the form's alone.
   */
  createVersion(
    launchTemplateId: string,
    versionDescription: string,
    form: TemplateForm,
    source: LaunchTemplateVersion | undefined,
  ): Promise<Result<LaunchTemplateVersion>> {
    const launchTemplateData = source ? versionData(source.launchTemplateData, form) : templateData(form);
    return attempt(() => this.#hypervisor.createLaunchTemplateVersion({ launchTemplateId, versionDescription, launchTemplateData }));
  }

  setDefault(launchTemplateId: string, versionNumber: number): Promise<Result<LaunchTemplate>> {
    return attempt(() => this.#hypervisor.modifyLaunchTemplate({ launchTemplateId, defaultVersion: String(versionNumber) }));
  }

  delete(launchTemplateId: string): Promise<Result<LaunchTemplate>> {
    return attempt(() => this.#hypervisor.deleteLaunchTemplate({ launchTemplateId }));
  }

  /** EC2's Create template from instance: the instance's settings as version 1. */
  createFromInstance(instance: Instance, launchTemplateName: string, versionDescription: string): Promise<Result<LaunchTemplate>> {
    return attempt(() =>
      this.#hypervisor.createLaunchTemplate({
        launchTemplateName: launchTemplateName.trim(),
        versionDescription,
        launchTemplateData: dataFromInstance(instance),
      }),
    );
  }

  #read(): void {
    this.templates = this.#hypervisor.describeLaunchTemplates();
    const versions: Record<string, readonly LaunchTemplateVersion[]> = {};
    for (const { launchTemplateId } of this.templates)
      versions[launchTemplateId] = this.#hypervisor.describeLaunchTemplateVersions({ launchTemplateId });
    this.versions = versions;
  }
}

async function attempt<T>(action: () => Promise<T>): Promise<Result<T>> {
  try {
    return ok(await action());
  } catch (error) {
    return { ok: false, error: toCloudError(error) };
  }
}
