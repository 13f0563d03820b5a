/**
 * EC2's DescribeInstances filters: an instance matches when, for every filter, one of the
 * filter's values matches (the filter names were validated with the request). Pure.
 */
import type { InstanceFilter } from "../requests/instances.ts";
import type { Instance } from "./instance.ts";

export function filterInstances(instances: readonly Instance[], filters: readonly InstanceFilter[]): Instance[] {
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
