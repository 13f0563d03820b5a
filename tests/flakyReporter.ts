/**
 * A Vitest reporter that names every test which passed only on a retry, as Playwright's
 * summary does ("N flaky"). Vitest's default reporter hides a retry inside a passing file, so
 * a test that fails one time in three would look the same as one that never fails.
 */
import { relative } from "node:path";
import type { Reporter, TestModule } from "vitest/node";

export interface RetriedTest {
  readonly name: string;
  readonly retries: number;
}

/** The lines CI prints for tests that passed only on a retry; empty when there were none. */
export function flakySummary(tests: readonly RetriedTest[]): string[] {
  if (tests.length === 0) return [];
  const heading = `${tests.length} flaky (passed only on a retry):`;
  return [heading, ...tests.map((test) => `  ${test.name} (retried ${test.retries} ${test.retries === 1 ? "time" : "times"})`)];
}

export class FlakyReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[]): void {
    const flaky: RetriedTest[] = [];
    for (const testModule of testModules) {
      for (const test of testModule.children.allTests()) {
        const diagnostic = test.diagnostic();
        if (diagnostic?.flaky)
          flaky.push({ name: `${relative(process.cwd(), testModule.moduleId)} > ${test.fullName}`, retries: diagnostic.retryCount });
      }
    }
    for (const line of flakySummary(flaky)) console.log(line);
  }
}
