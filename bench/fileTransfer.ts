/**
 * Copying files in and out of an instance under Node, through the agent (FileTransfers): the
 * speed in each direction at the part sizes used and at smaller ones, and, for comparison, a
 * file sent inside the command line itself (base64 in the agent's request, which the agent reads
 * a byte at a time). The part sizes in src/hypervisor/files/transferPlan.ts come from these figures.
 */
import { randomBytes } from "node:crypto";
import { DOWNLOAD_CHUNK_BYTES, FileTransfers, UPLOAD_CHUNK_BYTES, type Hypervisor, type Instance } from "../src/hypervisor/index.ts";
import { createNodeHypervisor } from "../src/hypervisor/node.ts";
import { report, round } from "./stats.ts";

const MIB = 1024 * 1024;

async function running(hypervisor: Hypervisor): Promise<string> {
  const [instance] = (await hypervisor.runInstances()) as [Instance];
  const id = instance.instanceId;
  await new Promise<void>((resolve) => {
    const check = (): boolean => hypervisor.describeInstances({ instanceIds: [id] })[0]?.statusChecks.instance === "ok";
    if (check()) return resolve();
    const stop = hypervisor.subscribe(() => {
      if (check()) {
        stop();
        resolve();
      }
    });
  });
  return id;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

const mibps = (bytes: number, ms: number) => round(bytes / MIB / (ms / 1000), 3);

export async function benchFileTransfer(): Promise<void> {
  const hypervisor = await createNodeHypervisor();
  try {
    const id = await running(hypervisor);
    const sizeBytes = Number(process.env.BENCH_FILE_MIB ?? 8) * MIB;
    const bytes = new Uint8Array(randomBytes(sizeBytes));
    const files = new FileTransfers(hypervisor);
    const uploadMs = await timed(() => files.uploadFile(id, "/root", "bench.bin", bytes));
    const downloadMs = await timed(() => files.downloadPath(id, "/root/bench.bin"));

    // Other part sizes, on a 1 MiB file: the cost of each command shows.
    const sample = bytes.subarray(0, MIB);
    const uploadByChunk: Record<string, number> = {};
    for (const chunkBytes of [16 * 1024, 64 * 1024, UPLOAD_CHUNK_BYTES]) {
      const ms = await timed(() =>
        new FileTransfers(hypervisor, { uploadChunkBytes: chunkBytes }).uploadFile(id, "/root", "sample.bin", sample),
      );
      uploadByChunk[chunkBytes] = mibps(sample.byteLength, ms);
    }
    const downloadByChunk: Record<string, number> = {};
    for (const chunkBytes of [64 * 1024, DOWNLOAD_CHUNK_BYTES, MIB]) {
      const ms = await timed(() => new FileTransfers(hypervisor, { downloadChunkBytes: chunkBytes }).downloadPath(id, "/root/sample.bin"));
      downloadByChunk[chunkBytes] = mibps(sample.byteLength, ms);
    }

    // The file inside the request line instead: 40 KiB parts, base64 in a command under its 64 KiB limit.
    const lineBytes = 128 * 1024;
    const lineMs = await timed(async () => {
      await hypervisor.runCommand(id, "rm -f /root/line.bin");
      for (let offset = 0; offset < lineBytes; offset += 40 * 1024) {
        const text = Buffer.from(bytes.subarray(offset, Math.min(lineBytes, offset + 40 * 1024))).toString("base64");
        await hypervisor.runCommand(id, `printf %s '${text}' | base64 -d >> /root/line.bin`, { timeoutMs: 120_000 });
      }
    });

    report({
      bench: "file-transfer",
      env: "node",
      fileMiB: sizeBytes / MIB,
      uploadMiBps: mibps(sizeBytes, uploadMs),
      downloadMiBps: mibps(sizeBytes, downloadMs),
      chunkBytes: UPLOAD_CHUNK_BYTES,
      downloadChunkBytes: DOWNLOAD_CHUNK_BYTES,
      uploadMiBpsByChunk: uploadByChunk,
      downloadMiBpsByChunk: downloadByChunk,
      inCommandLineUploadMiBps: mibps(lineBytes, lineMs),
    });
  } finally {
    await hypervisor.shutdownAll();
  }
}
