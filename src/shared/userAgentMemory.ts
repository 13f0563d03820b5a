/**
 * What the browser itself says the page and its workers hold in memory:
 * performance.measureUserAgentSpecificMemory(), which Chromium offers only to a cross-origin
 * isolated page and answers at its next garbage collection (within about 20 s).
 */

export interface UserAgentMemory {
  readonly bytes: number;
  /** Bytes per scope ("Window", "DedicatedWorkerGlobalScope", ...), summed. */
  readonly bytesByScope: Readonly<Record<string, number>>;
}

interface MemoryMeasurement {
  readonly bytes: number;
  readonly breakdown: readonly { readonly bytes: number; readonly attribution: readonly { readonly scope: string }[] }[];
}

type Measure = () => Promise<MemoryMeasurement>;

/** What a browser's global scope has for this (and Node's does not: this module is DOM-free). */
interface MeasuringScope {
  readonly crossOriginIsolated?: boolean;
  readonly performance?: { readonly measureUserAgentSpecificMemory?: Measure };
}

function measureFunction(): Measure | null {
  const scope = globalThis as MeasuringScope;
  const measure = scope.performance?.measureUserAgentSpecificMemory;
  return scope.crossOriginIsolated && measure ? measure.bind(scope.performance) : null;
}

/** Whether this page may ask (cross-origin isolated, in a browser that has the API). */
export function canMeasureUserAgentMemory(): boolean {
  return measureFunction() !== null;
}

/** The browser's figure, or null where it may not be asked or has not answered within timeoutMs. */
export async function measureUserAgentMemory(timeoutMs: number): Promise<UserAgentMemory | null> {
  const measure = measureFunction();
  if (!measure) return null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
  const result = await Promise.race([measure().catch(() => null), timeout]);
  clearTimeout(timer);
  if (!result) return null;
  const bytesByScope: Record<string, number> = {};
  for (const entry of result.breakdown) {
    const scope = entry.attribution.map((attribution) => attribution.scope).join("+") || "none";
    bytesByScope[scope] = (bytesByScope[scope] ?? 0) + entry.bytes;
  }
  return { bytes: result.bytes, bytesByScope };
}
