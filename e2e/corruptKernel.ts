import type { Page } from "@playwright/test";
import { gunzipSync, gzipSync } from "node:zlib";

/** The default image's kernel, as the page fetches it. */
export const KERNEL_URL = "**/images/tabcloud-linux/bzImage.gz";

/** gzip's first two bytes. */
const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Serves the default image's kernel with one byte changed, gzip-compressed as the real one is.
 * The response Playwright fetched may come decoded already (when the server sent it with a
 * Content-Encoding), or not.
 */
export async function serveCorruptKernel(page: Page, offset: number): Promise<void> {
  await page.route(KERNEL_URL, async (route) => {
    const response = await route.fetch();
    const body = await response.body();
    const kernel = body[0] === GZIP_MAGIC[0] && body[1] === GZIP_MAGIC[1] ? gunzipSync(body) : Buffer.from(body);
    kernel[offset] = (kernel[offset] ?? 0) ^ 0xff;
    await route.fulfill({ response, body: gzipSync(kernel) });
  });
}
