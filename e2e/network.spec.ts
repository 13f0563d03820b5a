import { expect, test, type Page } from "@playwright/test";

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

  // Everything is still listed after a reload.
  await page.reload();
  await openView(page, "Security groups");
  await expect(page.locator("tr[data-group-id]", { hasText: "HTTP from anywhere" })).toContainText("web");
  await openView(page, "Subnets");
  await expect(page.locator("tr[data-subnet-id]", { hasText: "10.20.1.0/24" })).toBeVisible();
  expect(errors).toEqual([]);
});
