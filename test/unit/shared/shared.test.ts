// src/shared: the one copy of the run-folder layout, the crash-safe file primitives, formatting and statistics
// that the host, the client, the extension and the webview all use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointDir, parseJsonl, readJsonl, runFile, writeJsonAtomic } from '../../../src/shared/node/runFiles';
import { checkpointStep, stepCheckpoint } from '../../../src/shared/runLayout';
import { clockDuration, decimalDuration, listText, pct, points, roughDuration, secondsDuration } from '../../../src/shared/format';
import { bootstrapCI, macroF1, quantileSorted } from '../../../src/shared/stats';
import { mulberry32 } from '../../../src/shared/prng';

test('JSONL: a torn last line is dropped, a bad line in the middle names file and line', () => {
  assert.deepEqual(parseJsonl('{"a":1}\n{"a":2}\n{"a":', 'm.jsonl'), [{ a: 1 }, { a: 2 }]);
  assert.throws(() => parseJsonl('{"a":1}\n{oops\n{"a":3}\n', 'm.jsonl'), /^Error: m\.jsonl:2 is not valid JSON; the file is damaged$/);
  const dir = mkdtempSync(join(tmpdir(), 'gft-shared-'));
  assert.deepEqual(readJsonl(runFile(dir, 'metrics')), []);
  writeFileSync(runFile(dir, 'metrics'), '{"step":1}\n{"st');
  assert.deepEqual(readJsonl(runFile(dir, 'metrics')), [{ step: 1 }]);
});

test('writeJsonAtomic replaces the file whole and leaves no temporary file behind', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-shared-'));
  const path = runFile(dir, 'manifest');
  writeJsonAtomic(path, { id: 'a' });
  writeJsonAtomic(path, { id: 'b', n: [1, 2] });
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { id: 'b', n: [1, 2] });
  assert.deepEqual(readdirSync(dir), ['run.json']);
});

test('run-folder layout: file and checkpoint paths, step checkpoint names', () => {
  assert.equal(runFile('/r', 'predictions'), join('/r', 'predictions.jsonl'));
  assert.equal(checkpointDir('/r'), join('/r', 'checkpoints', 'best'));
  assert.equal(checkpointDir('/r', stepCheckpoint(40)), join('/r', 'checkpoints', 'step-40'));
  assert.equal(checkpointStep('step-40'), 40);
  assert.equal(checkpointStep('last'), undefined);
  assert.equal(checkpointStep('.step-4.tmp'), undefined);
});

test('formatting: percentages, signed points, English lists, three duration styles', () => {
  assert.equal(pct(0.87654), '87.7%');
  assert.equal(pct(0.5, 2), '50.00%');
  assert.equal(pct(undefined), '–');
  assert.equal(pct(NaN), '–');
  assert.deepEqual([points(0.012), points(-0.03)], ['+1.2', '−3.0']);
  assert.deepEqual([listText([]), listText(['a']), listText(['a', 'b']), listText(['a', 'b', 'c', 'd'])], ['', 'a', 'a and b', 'a, b, c and d']);
  assert.deepEqual([clockDuration(42_000), clockDuration(185_000), clockDuration(3_723_000), clockDuration(undefined)], ['42s', '3m 05s', '1h 02m', '']);
  assert.deepEqual([roughDuration(42), roughDuration(3000), roughDuration(5400), roughDuration(Infinity)], ['42 s', '50 min', '1 h 30 min', 'unknown']);
  assert.deepEqual([secondsDuration(4.21), secondsDuration(42), secondsDuration(750), secondsDuration(5760)], ['4.2 s', '42 s', '12.5 min', '1.6 h']);
  assert.deepEqual([decimalDuration(12_345), decimalDuration(270_000), decimalDuration(undefined)], ['12.3 s', '4.5 min', '–']);
});

test('statistics: macro F1 of a confusion matrix, numpy quantiles, a seeded bootstrap', () => {
  // rows = true label: class 0 precision 8/9, recall 8/10; class 1 precision 4/6, recall 4/5
  const f1 = (p: number, r: number) => (2 * p * r) / (p + r);
  assert.ok(
    Math.abs(
      macroF1([
        [8, 2],
        [1, 4],
      ]) -
        (f1(8 / 9, 8 / 10) + f1(4 / 6, 4 / 5)) / 2,
    ) < 1e-12,
  );
  assert.equal(
    macroF1([
      [0, 0],
      [0, 0],
    ]),
    0,
  );
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  const values = Array.from({ length: 200 }, (_, i) => i % 2);
  const ci = () =>
    bootstrapCI(500, mulberry32(7), (rnd) => {
      let s = 0;
      for (let i = 0; i < values.length; i++) s += values[Math.floor(rnd() * values.length)];
      return s / values.length;
    });
  const [lo, hi] = ci();
  assert.ok(lo < 0.5 && hi > 0.5 && hi - lo < 0.2, `${lo} ${hi}`);
  assert.deepEqual(ci(), [lo, hi]);
});
