// Test counts for the closing summaries: every stage of `npm test` writes out/<stage>-summary.json
// { passed, failed, skipped, skips: [{ name, reason }] }; this sums them into .ci/run's closing line
// "N passed, N failed, N skipped", listing each skipped test with its reason first. A skipped test is never a pass.
// Usage: node scripts/test-summary.mjs [--out DIR] [--rc N]
//   --rc: npm test's exit status; a failing run whose stages recorded no failure counts one failure.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** The stages of `npm test`, in order: summary file name and label. */
export const STAGES = [
  { file: 'unit-summary.json', label: 'unit' },
  { file: 'integration-summary.json', label: 'integration' },
  { file: 'vsix-smoke-summary.json', label: 'vsix smoke' },
];

/** Counts and skip reasons from node:test's TAP report (nested subtests included). */
export function tapSummary(text) {
  const num = (k) => Number((text.match(new RegExp(`^# ${k} (\\d+)$`, 'm')) ?? [0, 0])[1]);
  const skips = [];
  for (const m of text.matchAll(/^\s*ok \d+ - (.*?) # (SKIP|TODO)(?: (.*))?$/gm)) {
    const reason = (m[3] ?? '').trim() || (m[2] === 'TODO' ? 'todo' : 'no reason given');
    skips.push({ name: m[1].replace(/\\#/g, '#'), reason: m[2] === 'TODO' ? `todo: ${reason}` : reason });
  }
  return { passed: num('pass'), failed: num('fail') + num('cancelled'), skipped: num('skipped') + num('todo'), skips };
}

/** Sums the stages' summaries ({ label, summary } with summary undefined for a stage that did not run). */
export function combine(stages, rc = 0) {
  const total = { passed: 0, failed: 0, skipped: 0, skips: [], notRun: [] };
  for (const { label, summary } of stages) {
    if (!summary) {
      total.notRun.push(label);
      continue;
    }
    total.passed += summary.passed ?? 0;
    total.failed += summary.failed ?? 0;
    total.skipped += summary.skipped ?? 0;
    for (const s of summary.skips ?? []) total.skips.push({ stage: label, ...s });
  }
  if (rc !== 0 && total.failed === 0) total.failed = 1;
  return total;
}

/** The closing line: "N passed, N failed, N skipped". */
export function closingLine(t) {
  return `${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`;
}

/** The lines before it: each skipped test with its reason, and the stages that did not run. */
export function detailLines(t) {
  const lines = t.skips.map((s) => `skipped: ${s.stage} / ${s.name}: ${s.reason}`);
  if (t.notRun.length > 0) lines.push(`not run: ${t.notRun.join(', ')}`);
  return lines;
}

function main() {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'out' }, rc: { type: 'string', default: '0' } } });
  const stages = STAGES.map(({ file, label }) => {
    const p = join(values.out, file);
    return { label, summary: existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : undefined };
  });
  const t = combine(stages, Number(values.rc));
  for (const l of detailLines(t)) console.log(l);
  console.log(closingLine(t));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
