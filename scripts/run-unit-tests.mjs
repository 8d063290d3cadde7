// Runs every test/unit/**/*.test.ts with node:test (TypeScript through tsx), prints the spec report,
// and writes the pass/fail counts to out/unit-summary.json for .ci/run's closing line.
// Usage: node scripts/run-unit-tests.mjs [filter-substring ...]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
const files = walk('test/unit').filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) {
  console.error('no unit test files matched');
  process.exit(1);
}
mkdirSync('out', { recursive: true });
const tap = 'out/unit.tap';
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files],
  { stdio: 'inherit', env: { ...process.env, GFT_TEST: '1' } },
);
const text = readFileSync(tap, 'utf8');
const num = (k) => Number((text.match(new RegExp(`^# ${k} (\\d+)$`, 'm')) ?? [0, 0])[1]);
const summary = { passed: num('pass'), failed: num('fail'), skipped: num('skipped') + num('todo') };
writeFileSync('out/unit-summary.json', JSON.stringify(summary));
console.log(`unit: ${summary.passed} passed, ${summary.failed} failed`);
process.exit(r.status ?? 1);
