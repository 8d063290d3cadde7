// The TF-IDF baseline as a run: run folder contents, notifications, cancel, predict and evaluate from the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateRun, predictTexts, runTfidfBaseline, type JobContext } from '../../../src/host/jobs';
import { readRun } from '../../../src/host/runs';
import type { MetricPoint, Progress, RunStarted } from '../../../src/protocol';

const tmp = () => mkdtempSync(join(tmpdir(), 'gft-job-'));
const TRAIN = 'test/fixtures/host/tiny-train.jsonl';
const EVAL = 'test/fixtures/host/tiny-eval.jsonl';

test('tfidf baseline on train/eval files: run folder, events, predictions, then predict and evaluate', async () => {
  const root = tmp();
  const started: RunStarted[] = [];
  const metrics: MetricPoint[] = [];
  const progress: Progress[] = [];
  const ctx: JobContext = { started: (e) => started.push(e), metric: (m) => metrics.push(m), progress: (p) => progress.push(p) };
  const r = await runTfidfBaseline({ kind: 'tfidf', trainFile: TRAIN, evalFile: EVAL, runsRoot: root, C: 10 }, ctx);
  assert.equal(r.status, 'completed', r.error);
  assert.equal(started.length, 1);
  assert.equal(started[0].runDir, r.runDir);
  const d = readRun(r.runDir);
  assert.equal(d.manifest.status, 'completed');
  assert.equal(d.manifest.kind, 'baseline-tfidf');
  assert.equal(d.manifest.config.C, 10);
  assert.deepEqual(d.manifest.dataset!.sizes, { train: 60, validation: 20, test: 20 });
  assert.ok(d.manifest.packages['onnxruntime-node']);
  assert.match(d.manifest.device, /^cpu: \d+ x /);
  const steps = d.metrics.filter((m) => m.type === 'step');
  assert.ok(steps.length >= 3);
  for (const s of steps) for (const k of ['step', 'epoch', 'loss', 'lr', 'step_ms']) assert.equal(typeof (s as Record<string, unknown>)[k], 'number', k);
  assert.deepEqual(
    d.metrics.filter((m) => m.type === 'eval').map((m) => m.type === 'eval' && m.split),
    ['validation', 'test'],
  );
  assert.equal(metrics.length, d.metrics.length);
  assert.ok(progress.some((p) => p.phase === 'training') && progress.at(-1)!.phase === 'done');
  assert.equal(d.predictions.length, 20);
  assert.equal(d.manifest.test!.accuracy, 1, 'the tiny set is separable by its sentiment words');
  const pred = await predictTexts(r.runDir, ['a brilliant and moving film', 'dull boring mess']);
  assert.deepEqual(
    pred.predictions.map((p) => p.label),
    ['pos', 'neg'],
  );
  const ev = await evaluateRun(r.runDir, EVAL);
  assert.equal(ev.n, 20);
  assert.equal(ev.accuracy, d.manifest.test!.accuracy);
});

test('tfidf baseline on the movie reviews lands near scikit-learn (about 85-88%)', async () => {
  const r = await runTfidfBaseline({ kind: 'tfidf', data: 'builtin:movie-reviews', runsRoot: tmp(), C: 10 });
  assert.equal(r.status, 'completed', r.error);
  assert.equal(r.test!.n, 400);
  assert.ok(r.test!.accuracy >= 0.83 && r.test!.accuracy <= 0.93, `accuracy ${r.test!.accuracy}`);
  assert.ok(r.test!.accuracyCI[0] < r.test!.accuracy && r.test!.accuracyCI[1] > r.test!.accuracy);
});

test('cancel: aborting marks the run cancelled; bad data fails before a run folder is made', async () => {
  const root = tmp();
  const ac = new AbortController();
  const r = await runTfidfBaseline(
    { kind: 'tfidf', trainFile: TRAIN, evalFile: EVAL, runsRoot: root, C: 10 },
    {
      signal: ac.signal,
      metric: () => ac.abort(),
    },
  );
  assert.equal(r.status, 'cancelled');
  assert.equal(readRun(r.runDir).manifest.status, 'cancelled');
  assert.ok(!existsSync(join(r.runDir, 'checkpoints', 'best')));
  const bad = join(tmp(), 'bad.jsonl');
  writeFileSync(bad, '{"text": "x"}\n');
  await assert.rejects(
    runTfidfBaseline({ kind: 'tfidf', trainFile: bad, runsRoot: root }),
    (e: Error) => !e.message.includes('\n') && /bad\.jsonl/.test(e.message),
  );
  await assert.rejects(predictTexts(r.runDir, ['x']), /cancelled, not completed/);
});
