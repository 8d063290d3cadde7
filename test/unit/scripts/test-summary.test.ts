// scripts/test-summary.mjs: node:test's TAP counts with skip reasons (nested subtests, todo, cancelled), and
// .ci/run's closing line "N passed, N failed, N skipped" summed over the stages' summary files.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Ts from '../../../scripts/test-summary.mjs' with { 'resolution-mode': 'import' };

// an ES module: loaded with import() from this CommonJS test
let ts: typeof Ts;
before(async () => {
  ts = await import('../../../scripts/test-summary.mjs');
});

// the shape node 20's tap reporter writes (t.skip(reason), { skip }, a nested skip, a todo, a timed-out test)
const TAP = `TAP version 13
# Subtest: webgpu trains
ok 1 - webgpu trains # SKIP no WebGPU adapter here (No supported adapters)
  ---
  duration_ms: 1.3
  ...
# Subtest: two
ok 2 - two
# Subtest: group
    # Subtest: sub \\# 1
    ok 1 - sub \\# 1 # SKIP
    1..1
ok 3 - group
ok 4 - later # TODO write it
not ok 5 - slow
  ---
  error: 'test timed out after 50ms'
  ...
1..5
# tests 6
# suites 0
# pass 2
# fail 0
# cancelled 1
# skipped 2
# todo 1
# duration_ms 247.9
`;

test('TAP: counts, cancelled as failed, and every skip with its reason', () => {
  const s = ts.tapSummary(TAP);
  assert.deepEqual([s.passed, s.failed, s.skipped], [2, 1, 3]);
  assert.deepEqual(s.skips, [
    { name: 'webgpu trains', reason: 'no WebGPU adapter here (No supported adapters)' },
    { name: 'sub # 1', reason: 'no reason given' },
    { name: 'later', reason: 'todo: write it' },
  ]);
});

test('closing line sums the stages; a stage that did not run is named; a failing exit with no recorded failure counts one', () => {
  const unit = { passed: 300, failed: 0, skipped: 1, skips: [{ name: 'webgpu trains', reason: 'no adapter' }] };
  const integration = { passed: 32, failed: 0, skipped: 0, skips: [] };
  let t = ts.combine([
    { label: 'unit', summary: unit },
    { label: 'integration', summary: integration },
    { label: 'vsix smoke', summary: { passed: 4, failed: 0, skipped: 0, skips: [] } },
  ]);
  assert.equal(ts.closingLine(t), '336 passed, 0 failed, 1 skipped');
  assert.deepEqual(ts.detailLines(t), ['skipped: unit / webgpu trains: no adapter']);
  t = ts.combine([{ label: 'unit', summary: unit }, { label: 'integration' }, { label: 'vsix smoke' }], 1);
  assert.equal(ts.closingLine(t), '300 passed, 1 failed, 1 skipped');
  assert.deepEqual(ts.detailLines(t), ['skipped: unit / webgpu trains: no adapter', 'not run: integration, vsix smoke']);
});

test('the script reads out/*-summary.json (older summaries without skips count none) and prints the closing line last', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-summary-'));
  try {
    writeFileSync(
      join(dir, 'unit-summary.json'),
      JSON.stringify({
        passed: 5,
        failed: 1,
        skipped: 2,
        skips: [
          { name: 'a', reason: 'why a' },
          { name: 'b', reason: 'why b' },
        ],
      }),
    );
    writeFileSync(join(dir, 'integration-summary.json'), JSON.stringify({ passed: 3, failed: 0 }));
    const r = spawnSync(process.execPath, ['scripts/test-summary.mjs', '--out', dir, '--rc', '1'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      'skipped: unit / a: why a',
      'skipped: unit / b: why b',
      'not run: vsix smoke',
      '8 passed, 1 failed, 2 skipped',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
