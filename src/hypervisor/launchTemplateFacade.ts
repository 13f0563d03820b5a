/**
 * The facade's launch template actions, one method per EC2 action, each validating its request
 * (requests/launchTemplates.ts) and delegating to the templates' module (templates/). The
 * Hypervisor extends this class, so the facade stays one file per family of resources;
 * RunInstances' LaunchTemplate parameter is resolved by the same module (launchRequest).
 */
import * as lt from "./requests/launchTemplates.ts";
import type { LaunchTemplates } from "./templates/launchTemplates.ts";
import type { LaunchTemplate, LaunchTemplateVersion } from "./templates/model.ts";
import { VpcFacade } from "./vpcFacade.ts";

export abstract class LaunchTemplateFacade extends VpcFacade {
  /** The templates' module, given by the Hypervisor. */
  protected abstract get launchTemplates(): LaunchTemplates;

  /** A template with its first version (version 1, the default). */
  async createLaunchTemplate(request: lt.CreateLaunchTemplateRequest): Promise<LaunchTemplate> {
    return this.launchTemplates.create(lt.parseCreateLaunchTemplate(request));
  }
  /** A new version, numbered after the latest; from a source version's data when one is named. It does not become the default. */
  async createLaunchTemplateVersion(request: lt.CreateLaunchTemplateVersionRequest): Promise<LaunchTemplateVersion> {
    return this.launchTemplates.createVersion(lt.parseCreateLaunchTemplateVersion(request));
  }
  describeLaunchTemplates(request: lt.DescribeLaunchTemplatesRequest = {}): LaunchTemplate[] {
    return this.launchTemplates.describe(lt.parseDescribeLaunchTemplates(request));
  }
  describeLaunchTemplateVersions(request: lt.DescribeLaunchTemplateVersionsRequest): LaunchTemplateVersion[] {
    return this.launchTemplates.describeVersions(lt.parseDescribeLaunchTemplateVersions(request));
  }
  /** Sets the version launches use when they name none. */
  async modifyLaunchTemplate(request: lt.ModifyLaunchTemplateRequest): Promise<LaunchTemplate> {
    return this.launchTemplates.modify(lt.parseModifyLaunchTemplate(request));
  }
  /** Deletes the template and all its versions; instances launched from it keep running. */
  async deleteLaunchTemplate(request: lt.DeleteLaunchTemplateRequest): Promise<LaunchTemplate> {
    return this.launchTemplates.delete(lt.parseDeleteLaunchTemplate(request));
  }
}
