// Entry point VS Code calls inside the extension host (extensionTestsPath): exports run(), like the
// @vscode/test-electron contract. A small TDD runner (suite/test/suiteSetup/suiteTeardown) so the suite needs no
// mocha inside the extension host; every *.test.js file next to this one is loaded, in name order.
// Each result is printed (forwarded to the harness by codeAutomationLog) and written to ../results.json, which
// test/integration/run-code-server.mjs reads for the counts. A test that cannot run calls skip(reason) (util.ts):
// counted as skipped, with the reason, never as passed.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface TestCase {
  name: string;
  body: () => unknown;
  timeoutMs: number;
}
interface Suite {
  name: string;
  tests: TestCase[];
  setup: (() => unknown)[];
  teardown: (() => unknown)[];
}
export interface TestResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
  skipped?: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;

function withTimeout(p: unknown, ms: number, what: string): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([Promise.resolve(p), timeout]).finally(() => clearTimeout(timer));
}

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message).split('\n').slice(0, 6).join('\n') : String(e);
}

export async function run(): Promise<void> {
  const suites: Suite[] = [];
  let current: Suite | undefined;
  const g = globalThis as Record<string, unknown>;
  g.suite = (name: string, body: () => void) => {
    current = { name, tests: [], setup: [], teardown: [] };
    suites.push(current);
    body();
    current = undefined;
  };
  const inSuite = (): Suite => {
    if (!current) throw new Error('test(), suiteSetup() and suiteTeardown() belong inside suite()');
    return current;
  };
  g.test = (name: string, body: () => unknown, timeoutMs = DEFAULT_TIMEOUT_MS) => inSuite().tests.push({ name, body, timeoutMs });
  g.suiteSetup = (body: () => unknown) => inSuite().setup.push(body);
  g.suiteTeardown = (body: () => unknown) => inSuite().teardown.push(body);

  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  // The test files are separate CommonJS bundles found at run time, so they are loaded with require.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  for (const f of files) require(join(__dirname, f));

  const results: TestResult[] = [];
  const started = Date.now();
  for (const s of suites) {
    console.log(`suite: ${s.name}`);
    let setupError: string | undefined;
    for (const fn of s.setup) {
      try {
        await withTimeout(fn(), DEFAULT_TIMEOUT_MS, `suiteSetup of "${s.name}"`);
      } catch (e) {
        setupError = describe(e);
        break;
      }
    }
    for (const t of s.tests) {
      const name = `${s.name} / ${t.name}`;
      const t0 = Date.now();
      try {
        if (setupError) throw new Error(`suite setup failed: ${setupError}`);
        await withTimeout(t.body(), t.timeoutMs, `test "${name}"`);
        results.push({ name, ok: true, ms: Date.now() - t0 });
        console.log(`  ok   ${name} (${Date.now() - t0} ms)`);
      } catch (e) {
        if (e instanceof Error && e.name === 'Skip') {
          results.push({ name, ok: true, ms: Date.now() - t0, skipped: e.message });
          console.log(`  skip ${name}: ${e.message}`);
          continue;
        }
        results.push({ name, ok: false, ms: Date.now() - t0, error: describe(e) });
        console.log(`  FAIL ${name}\n${describe(e)}`);
      }
    }
    for (const fn of s.teardown) {
      try {
        await withTimeout(fn(), DEFAULT_TIMEOUT_MS, `suiteTeardown of "${s.name}"`);
      } catch (e) {
        console.log(`  teardown of "${s.name}" failed: ${describe(e)}`);
      }
    }
  }
  const skips = results.filter((r) => r.skipped !== undefined).map((r) => ({ name: r.name, reason: r.skipped }));
  const passed = results.filter((r) => r.ok && r.skipped === undefined).length;
  const failed = results.filter((r) => !r.ok).length;
  writeFileSync(
    join(__dirname, '..', 'results.json'),
    JSON.stringify({ passed, failed, skipped: skips.length, skips, ms: Date.now() - started, results }, null, 2),
  );
  console.log(`extension-host tests: ${passed} passed, ${failed} failed, ${skips.length} skipped`);
  // VS Code turns a rejected run() into a non-zero exit code for codeAutomationExit.
  if (failed > 0) throw new Error(`${failed} integration test(s) failed`);
}
