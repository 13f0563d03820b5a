/**
 * Serves the built app with `vite preview` for the benchmarks and the screenshot script, and ends
 * it completely: npx starts vite as its child, so the server runs in its own process group and
 * the whole group is stopped; killing npx alone would leave vite serving after the script ends.
 */
import { spawn } from "node:child_process";

export interface PreviewServer {
  readonly baseUrl: string;
  /** The process group's id, the same as npx's pid. */
  readonly pid: number;
  /** Ends npx and vite and resolves once npx has exited. */
  stop(): Promise<void>;
}

/** Starts `vite preview` on the port and resolves once it answers; `outDir` serves another folder than dist/. */
export async function startPreviewServer(port: number, outDir?: string): Promise<PreviewServer> {
  const args = ["vite", "preview", "--host", "127.0.0.1", "--port", String(port), "--strictPort"];
  if (outDir !== undefined) args.push("--outDir", outDir);
  const child = spawn("npx", args, { stdio: "ignore", detached: true });
  let hasExited = false;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      hasExited = true;
      resolve();
    }),
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error("vite preview could not be started");
  const server: PreviewServer = {
    baseUrl: `http://127.0.0.1:${port}/`,
    pid,
    async stop() {
      try {
        process.kill(-pid, "SIGTERM");
      } catch {
        // The group has already ended.
      }
      await exited;
    },
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    // --strictPort makes vite give up on a port in use: whatever answers there is not this build.
    if (hasExited) throw new Error(`vite preview could not serve on port ${port}: is another server still running there?`);
    const answered = await fetch(server.baseUrl).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) return server;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await server.stop();
  throw new Error(`vite preview did not answer on ${server.baseUrl}`);
}
