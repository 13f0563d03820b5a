import { readFile } from "node:fs/promises";
import { expect, test, type Page } from "@playwright/test";
import { openLaunchDialog, screenText } from "./terminal.ts";

async function openView(page: Page, name: string): Promise<void> {
  await page.getByRole("navigation", { name: "Console" }).getByRole("button", { name, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: new RegExp(`^${name}`) })).toBeVisible();
}

test("a VPC, a subnet and a security group with an HTTP rule are created through the console and listed; a duplicate rule is refused with EC2's message", async ({
  page,
}) => {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto("./");

  // The default VPC is there from the start.
  await openView(page, "Your VPCs");
  await expect(page.locator("tr[data-vpc-id]", { hasText: "172.31.0.0/16" })).toContainText("Yes");

  await page.getByRole("button", { name: "Create VPC" }).click();
  const createVpc = page.getByRole("dialog", { name: "Create VPC" });
  await createVpc.getByLabel("Name tag (optional)").fill("lab-vpc");
  await createVpc.getByLabel("IPv4 CIDR").fill("10.20.0.0/16");
  await createVpc.getByRole("button", { name: "Create VPC" }).click();
  await expect(createVpc).toHaveCount(0);
  const vpcRow = page.locator("tr[data-vpc-id]", { hasText: "10.20.0.0/16" });
  await expect(vpcRow).toContainText("lab-vpc");
  const vpcId = await vpcRow.getAttribute("data-vpc-id");
  expect(vpcId).toMatch(/^vpc-[0-9a-f]{17}$/);

  // A subnet outside the VPC's block is EC2's InvalidSubnet.Range, shown in the dialog; inside it, it is created.
  await openView(page, "Subnets");
  await page.getByRole("button", { name: "Create subnet" }).click();
  const createSubnet = page.getByRole("dialog", { name: "Create subnet" });
  await createSubnet.getByLabel("VPC").selectOption(vpcId ?? "");
  await createSubnet.getByLabel("Availability Zone").selectOption("us-east-1b");
  await createSubnet.getByLabel("IPv4 subnet CIDR block").fill("10.99.1.0/24");
  await createSubnet.getByRole("button", { name: "Create subnet" }).click();
  await expect(createSubnet.getByRole("alert")).toContainText("InvalidSubnet.Range");
  await createSubnet.getByLabel("IPv4 subnet CIDR block").fill("10.20.1.0/24");
  await createSubnet.getByRole("button", { name: "Create subnet" }).click();
  await expect(createSubnet).toHaveCount(0);
  const subnetRow = page.locator("tr[data-subnet-id]", { hasText: "10.20.1.0/24" });
  await expect(subnetRow).toContainText(vpcId ?? "");
  await expect(subnetRow).toContainText("us-east-1b");
  // 256 addresses less AWS's five reserved; the new VPC has no internet gateway, so the subnet is private.
  await expect(subnetRow).toContainText("251");
  await expect(subnetRow.getByTestId("subnet-type")).toHaveText("Private");
  await expect(page.locator("tr[data-subnet-id]", { hasText: "172.31.0.0/20" }).getByTestId("subnet-type")).toHaveText("Public");

  // A security group in the new VPC that lets HTTP in from anywhere.
  await openView(page, "Security groups");
  await page.getByRole("button", { name: "Create security group" }).click();
  const createGroup = page.getByRole("dialog", { name: "Create security group" });
  await createGroup.getByLabel("Security group name").fill("web");
  await createGroup.getByLabel("Description", { exact: true }).fill("HTTP from anywhere");
  await createGroup.getByLabel("VPC").selectOption(vpcId ?? "");
  const inboundEditor = createGroup.getByRole("group", { name: "Inbound rules" });
  await inboundEditor.getByRole("button", { name: "Add rule" }).click();
  await inboundEditor.getByLabel("Type of rule 1").selectOption("http");
  await createGroup.getByRole("button", { name: "Create security group" }).click();
  await expect(createGroup).toHaveCount(0);
  const groupRow = page.locator("tr[data-group-id]", { hasText: "HTTP from anywhere" });
  await expect(groupRow).toContainText(vpcId ?? "");
  await groupRow.click();
  const inbound = page.getByTestId("inbound-rules");
  await expect(inbound.locator("tbody tr")).toHaveCount(1);
  await expect(inbound.locator("tbody tr")).toContainText("HTTP");
  await expect(inbound.locator("tbody tr")).toContainText("80");
  await expect(inbound.locator("tbody tr")).toContainText("0.0.0.0/0");

  // Adding the same rule again is EC2's InvalidPermission.Duplicate, and the group keeps its one rule.
  await page.getByRole("button", { name: "Edit inbound rules" }).click();
  const edit = page.getByRole("dialog", { name: "Edit inbound rules" });
  await edit.getByRole("button", { name: "Add rule" }).click();
  await edit.getByLabel("Type of rule 2").selectOption("custom-tcp");
  await edit.getByLabel("Port range of rule 2").fill("80");
  await edit.getByRole("button", { name: "Save rules" }).click();
  await expect(edit.getByRole("alert")).toContainText("InvalidPermission.Duplicate");
  await expect(edit.getByRole("alert")).toContainText("already exists");
  await edit.getByRole("button", { name: "Cancel" }).click();
  await expect(inbound.locator("tbody tr")).toHaveCount(1);

  // A bad port range gets EC2's message too.
  await page.getByRole("button", { name: "Edit inbound rules" }).click();
  await edit.getByLabel("Type of rule 1").selectOption("custom-tcp");
  await edit.getByLabel("Port range of rule 1").fill("90-80");
  await edit.getByRole("button", { name: "Save rules" }).click();
  await expect(edit.getByRole("alert")).toContainText("Invalid port range 90-80");
  await edit.getByRole("button", { name: "Cancel" }).click();

  // The launch form offers the new VPC: its subnet (private, so no public IP by default) and its groups.
  await openView(page, "Instances");
  const launch = await openLaunchDialog(page);
  await launch.getByText("Network settings").click();
  await launch.getByLabel("VPC").selectOption(vpcId ?? "");
  await expect(launch.getByTestId("network-summary")).toContainText("(us-east-1b, private)");
  await expect(launch.getByLabel("Auto-assign public IP")).toHaveValue("disable");
  await launch.getByText("Select existing security group").click();
  await expect(launch.getByRole("checkbox", { name: /^default \(sg-/ })).toBeChecked();
  await launch.getByRole("checkbox", { name: /^web \(sg-/ }).check();
  await expect(launch.getByTestId("network-summary")).toContainText("default, web");
  await launch.getByRole("button", { name: "Cancel" }).click();

  // Everything is still listed after a reload.
  await page.reload();
  await openView(page, "Security groups");
  await expect(page.locator("tr[data-group-id]", { hasText: "HTTP from anywhere" })).toContainText("web");
  await openView(page, "Subnets");
  await expect(page.locator("tr[data-subnet-id]", { hasText: "10.20.1.0/24" })).toBeVisible();
  expect(errors).toEqual([]);
});

test("an instance launched with a new launch-wizard group that allows HTTP shows its addresses, DNS names and groups; its groups change and its traffic downloads as a .pcap", async ({
  page,
}) => {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto("./");
  const dialog = await openLaunchDialog(page);
  await dialog.getByText("Network settings").click();
  await expect(dialog.getByLabel("Subnet")).toHaveValue("");
  await expect(dialog.getByLabel("Auto-assign public IP")).toHaveValue("enable");
  await expect(dialog.getByLabel("Allow SSH traffic from anywhere")).toBeChecked();
  await dialog.getByLabel("Allow HTTP traffic from the internet").check();
  await expect(dialog.getByTestId("network-summary")).toContainText("new group launch-wizard-1: SSH + HTTP");
  await dialog.getByRole("button", { name: "Launch instance", exact: true }).click();
  await expect(dialog).toBeHidden({ timeout: 60_000 });
  const row = page.locator("tbody tr[data-instance-id]").first();
  const instanceId = (await row.getAttribute("data-instance-id")) ?? "";
  await expect.poll(() => screenText(page), { timeout: 60_000 }).toMatch(new RegExp(`root@${instanceId}:~# *$`, "m"));

  await page.getByRole("tab", { name: "Details" }).click();
  await expect(page.getByTestId("private-ip")).toHaveText(/^172\.31\.(\d+)\.(\d+)$/);
  const publicIp = page.getByTestId("public-ip");
  await expect(publicIp.getByTestId("open-address")).toHaveAttribute("href", /^vpc\/\d+\.\d+\.\d+\.\d+\/80\/$/);
  await expect(page.getByTestId("instance-groups")).toContainText("launch-wizard-1");

  // The new group has the two rules the wizard was asked for.
  await openView(page, "Security groups");
  await page.locator("tr[data-group-id]", { hasText: "launch-wizard-1" }).click();
  await expect(page.getByTestId("inbound-rules").locator("tbody tr")).toHaveCount(2);
  await expect(page.getByTestId("inbound-rules")).toContainText("SSH");
  await expect(page.getByTestId("inbound-rules")).toContainText("HTTP");
  await openView(page, "Network interfaces");
  await expect(page.locator("tr[data-eni-id]", { hasText: instanceId })).toContainText("launch-wizard-1");

  // Change security groups: add the VPC's default group.
  await openView(page, "Instances");
  await page.locator(`tbody tr[data-instance-id="${instanceId}"]`).click();
  await page.getByRole("tab", { name: "Details" }).click();
  await page.getByRole("button", { name: "Change security groups" }).click();
  const change = page.getByRole("dialog", { name: "Change security groups" });
  await change.getByRole("checkbox", { name: /^default \(sg-/ }).check();
  await change.getByRole("button", { name: "Save" }).click();
  await expect(change).toBeHidden();
  await expect(page.getByTestId("instance-groups")).toContainText("default");

  await page.getByRole("tab", { name: "Networking" }).click();
  await expect(page.getByTestId("flow-log")).toBeVisible();
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download traffic (.pcap)" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`${instanceId}.pcap`);
  const bytes = await readFile((await file.path()) ?? "");
  // The pcap magic number (microsecond timestamps), little-endian, and link type 1 (Ethernet).
  expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
  expect(bytes.readUInt32LE(20)).toBe(1);
  expect(errors).toEqual([]);
});
