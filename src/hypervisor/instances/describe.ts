/**
 * EC2's DescribeInstances filters: an instance matches when, for every filter, one of the
 * filter's values matches. Pure.
 */
import { Ec2Error } from "../../shared/errors.ts";
import type { Instance } from "./instance.ts";

export interface InstanceFilter {
  readonly name: string;
  readonly values: readonly string[];
}

export interface DescribeInstancesRequest {
  readonly instanceIds?: readonly string[];
  /** EC2's filters: instance-state-name, instance-type, instance-id, image-id, tag-key, tag:<key>. */
  readonly filters?: readonly InstanceFilter[];
}

const FILTER_NAME = /^(instance-state-name|instance-type|instance-id|image-id|tag-key|tag:.+)$/;

export function filterInstances(instances: readonly Instance[], filters: readonly InstanceFilter[]): Instance[] {
  for (const filter of filters) {
    if (!FILTER_NAME.test(filter.name)) {
      throw new Ec2Error(
        "InvalidParameterValue",
        `The filter '${filter.name}' is not supported: use instance-state-name, instance-type, instance-id, image-id, tag-key or tag:<key>.`,
      );
    }
  }
  return instances.filter((instance) => filters.every((filter) => filter.values.some((value) => matches(instance, filter.name, value))));
}

function matches(instance: Instance, name: string, value: string): boolean {
  switch (name) {
    case "instance-state-name":
      return instance.state.name === value;
    case "instance-type":
      return instance.instanceType === value;
    case "instance-id":
      return instance.instanceId === value;
    case "image-id":
      return instance.imageId === value;
    case "tag-key":
      return instance.tags.some((tag) => tag.key === value);
    default: {
      const key = name.slice("tag:".length);
      return instance.tags.some((tag) => tag.key === key && tag.value === value);
    }
  }
}
