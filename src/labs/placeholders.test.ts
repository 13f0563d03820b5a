import { describe, expect, it } from "vitest";
import { NO_NETWORK, type Instance } from "../hypervisor/index.ts";
import { fillPlaceholders, placeholderProblem, type InstanceLookup } from "./placeholders.ts";

const own = { ...NO_NETWORK, instanceId: "i-00000000000000001", instanceType: "t3.micro", privateIpAddress: "172.31.0.10" } as Instance;
const backend = { ...NO_NETWORK, instanceId: "i-00000000000000002", privateDnsName: "ip-172-31-0-11.ec2.internal" } as Instance;
const lookup: InstanceLookup = (name) =>
  name === undefined
    ? { instance: own, who: "the lab's instance (web)" }
    : { instance: name === "backend" ? backend : undefined, who: `the instance named ${name}` };

describe("placeholders", () => {
  it("are filled with the facts of the lab's instance or of a named one", () => {
    expect(fillPlaceholders("id {{instanceId}} at {{ privateIpAddress }}, type {{instanceType}}", lookup)).toEqual({
      ok: true,
      text: "id i-00000000000000001 at 172.31.0.10, type t3.micro",
    });
    expect(fillPlaceholders("wget http://{{backend.privateDnsName}}/", lookup)).toEqual({
      ok: true,
      text: "wget http://ip-172-31-0-11.ec2.internal/",
    });
    expect(fillPlaceholders("no braces {here}", lookup)).toEqual({ ok: true, text: "no braces {here}" });
  });

  it("say which instance lacks which fact", () => {
    expect(fillPlaceholders("{{publicIpAddress}}", lookup)).toEqual({
      ok: false,
      message: "the lab's instance (web) (i-00000000000000001) has no public IPv4 address.",
    });
    expect(fillPlaceholders("{{frontend.instanceId}}", lookup)).toEqual({
      ok: false,
      message: "the instance named frontend does not exist yet.",
    });
  });

  it("refuse, when the lab loads, what is not a placeholder", () => {
    expect(placeholderProblem("{{instanceId}} {{backend.privateDnsName}} ${HOME} {x}")).toBeNull();
    expect(placeholderProblem("{{instance-id}}")).toMatch(/^\{\{instance-id\}\} is not a placeholder: write \{\{FIELD\}\}/);
    expect(placeholderProblem("{{backend.macAddress}}")).toMatch(/is not a placeholder/);
    expect(placeholderProblem("{{a.b.instanceId}}")).toMatch(/is not a placeholder/);
  });
});
