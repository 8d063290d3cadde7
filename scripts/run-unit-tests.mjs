// Runs every test/unit/**/*.test.ts with node:test (TypeScript through tsx), prints the spec report, then the
// counts and each skipped test with its reason, and writes them to out/unit-summary.json for .ci/run's closing line
// (scripts/test-summary.mjs). Each process of the suite writes its temporary files to a folder of its own, removed
// when it exits (scripts/private-tmpdir.mjs). A test that cannot run here calls t.skip(reason): counted as skipped, never passed.
// Usage: node scripts/run-unit-tests.mjs [filter-substring ...]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tapSummary } from './test-summary.mjs';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = walk('test/unit')
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no unit test files matched');
  process.exit(1);
}
mkdirSync('out', { recursive: true });
const tap = 'out/unit.tap';
const r = spawnSync(
  process.execPath,
  [
    '--import',
    './scripts/private-tmpdir.mjs',
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, GFT_TEST: '1' } },
);
const summary = tapSummary(readFileSync(tap, 'utf8'));
writeFileSync('out/unit-summary.json', JSON.stringify(summary));
for (const s of summary.skips) console.log(`unit: skipped ${s.name}: ${s.reason}`);
console.log(`unit: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`);
process.exit(r.status ?? 1);
