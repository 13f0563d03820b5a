// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { commandsOf } from "./parse.ts";
import { createLabRenderer } from "./render.ts";

describe("createLabRenderer", () => {
  const render = createLabRenderer(window);

  it("renders Markdown and numbers the command blocks as LabStep.commands does", () => {
    const markdown =
      "Some **bold** text.\n\n```sh\nls -l\n```\n\n```text\nnot a command\n```\n\n1. a list\n\n   ```bash\n   echo one\n   ```\n";
    const html = render(markdown);
    expect(html).toContain("<strong>bold</strong>");
    const page = document.createElement("div");
    page.innerHTML = html;
    const blocks = [...page.querySelectorAll("pre[data-lab-command]")].map((pre) => [
      pre.getAttribute("data-lab-command"),
      pre.textContent,
    ]);
    expect(blocks).toEqual([
      ["0", "ls -l"],
      ["1", "echo one"],
    ]);
    expect(commandsOf(markdown)).toEqual(["ls -l", "echo one"]);
  });

  it("shows raw HTML as text and lets nothing from a lab run script", () => {
    const attacks = [
      "<script>window.pwned = 1</script>",
      '<img src="x" onerror="window.pwned = 1">',
      'Inline <b onmouseover="window.pwned = 1">bold</b>',
      "[click](javascript:window.pwned=1)",
      "![pic](javascript:window.pwned=1)",
      '<iframe src="data:text/html,<script>parent.pwned=1</script>"></iframe>',
      "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ];
    for (const attack of attacks) {
      const page = document.createElement("div");
      page.innerHTML = render(attack);
      expect(page.querySelector("script, iframe, [onerror], [onmouseover]"), attack).toBeNull();
      for (const link of page.querySelectorAll("a[href], img[src]")) {
        expect(link.getAttribute("href") ?? link.getAttribute("src"), attack).not.toMatch(/^\s*(javascript|data):/i);
      }
    }
    expect(render("<script>alert(1)</script>")).toContain("&lt;script&gt;");
    expect((window as unknown as { pwned?: number }).pwned).toBeUndefined();
  });
});

describe("the shipped labs, rendered", () => {
  it("number every step's command blocks as the step lists them", async () => {
    const { loadBundledLabs } = await import("./catalog.ts");
    const render = createLabRenderer(window);
    for (const lab of loadBundledLabs().labs) {
      for (const step of lab.steps) {
        const page = document.createElement("div");
        page.innerHTML = render(step.instructions);
        const rendered = [...page.querySelectorAll("pre[data-lab-command]")].map((pre) => pre.textContent);
        expect(rendered, `${lab.id} step ${step.number}`).toEqual(step.commands);
      }
    }
  });
});
