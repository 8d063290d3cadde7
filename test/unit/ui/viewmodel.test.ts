import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { EvalMetrics, MetricRecord, PredictionRecord, RunManifest } from '../../../src/protocol';
import { accuracyChart, ema, lossChart, lrChart, pointCount } from '../../../src/ui/viewmodel/charts';
import { reviewModel, reviewPage } from '../../../src/ui/viewmodel/review';
import { comparisonTable } from '../../../src/ui/viewmodel/comparison';
import { bestMetric, duration, metricRows, progressText, startedShort, statusIcon } from '../../../src/ui/viewmodel/format';
import { freeReflectionName, nothingToReflectOn, reflectionSummary } from '../../../src/ui/viewmodel/reflection';

const step = (s: number, loss: number, lr = 1e-5): MetricRecord => ({ type: 'step', step: s, epoch: 0, loss, lr, step_ms: 10, time: 't' });
const evalRec = (s: number, split: 'train' | 'validation', accuracy: number, loss?: number): MetricRecord => ({
  type: 'eval',
  step: s,
  epoch: 0,
  split,
  time: 't',
  metrics: { accuracy, macroF1: accuracy - 0.01, rocAuc: null, logLoss: 0.5, ece: 0.1, ...(loss === undefined ? {} : { loss }) },
});

test('lossChart aligns train steps and validation evaluations on one x axis', () => {
  const c = lossChart([step(1, 0.9), step(2, 0.7), evalRec(2, 'validation', 0.6, 0.65), step(3, 0.5), evalRec(4, 'validation', 0.7, 0.55)]);
  assert.deepEqual(c.x, [1, 2, 3, 4]);
  assert.deepEqual(c.series[0].values, [0.9, 0.7, 0.5, null]);
  assert.deepEqual(c.series[2].values, [null, 0.65, null, 0.55]);
  // smoothed: EMA with alpha 0.1
  assert.ok(Math.abs((c.series[1].values[1] as number) - (0.1 * 0.7 + 0.9 * 0.9)) < 1e-12);
  assert.equal(pointCount(c), 3 + 3 + 2);
});

test('a resumed run that repeats steps keeps the last record of each step', () => {
  const c = lossChart([step(1, 0.9), step(2, 0.8), step(2, 0.75), step(3, 0.6)]);
  assert.deepEqual(c.x, [1, 2, 3]);
  assert.deepEqual(c.series[0].values, [0.9, 0.75, 0.6]);
});

test('validation loss falls back to log loss; accuracy and LR charts read their fields', () => {
  const r = evalRec(5, 'validation', 0.8);
  const loss = lossChart([r]);
  assert.deepEqual(loss.series[2].values, [0.5]);
  const acc = accuracyChart([r, evalRec(5, 'train', 0.9), evalRec(10, 'validation', 0.85)]);
  assert.deepEqual(acc.x, [5, 10]);
  assert.deepEqual(acc.series[0].values, [0.8, 0.85]);
  assert.deepEqual(acc.series[2].values, [0.9, null]);
  const lr = lrChart([step(1, 1, 0), step(2, 1, 2e-5), step(3, 1, 1e-5)]);
  assert.deepEqual(lr.series[0].values, [0, 2e-5, 1e-5]);
  assert.deepEqual(ema([]), []);
});

const pred = (id: string, label: number, p1: number, split?: string): PredictionRecord => ({
  id,
  label,
  pred: p1 >= 0.5 ? 1 : 0,
  probs: [1 - p1, p1],
  ...(split ? { split } : {}),
});

test('reviewPage lists mistakes most-confident first with FP/FN filters for the positive class', () => {
  const preds = [pred('a', 0, 0.9), pred('b', 1, 0.3), pred('c', 0, 0.6), pred('d', 1, 0.05), pred('e', 1, 0.8), pred('f', 0, 0.1)];
  const labels = ['neg', 'pos'];
  const all = reviewPage(preds, labels, { filter: 'all', positive: 1 });
  assert.deepEqual(
    all.rows.map((i) => i.id),
    ['d', 'a', 'b', 'c'],
  ); // confidences 0.95, 0.9, 0.7, 0.6
  assert.deepEqual(all.counts, { all: 4, fp: 2, fn: 2 });
  assert.equal(all.evaluated, 6);
  assert.deepEqual(all.rows[0], { id: 'd', label: 'pos', pred: 'neg', confidence: 0.95, kind: 'FN', correct: false });
  const fp = reviewPage(preds, labels, { filter: 'fp', positive: 1 });
  assert.deepEqual(
    fp.rows.map((i) => i.id),
    ['a', 'c'],
  );
  // Treating 'neg' as the positive class swaps FP and FN.
  const swapped = reviewPage(preds, labels, { filter: 'fp', positive: 0 });
  assert.deepEqual(
    swapped.rows.map((i) => i.id),
    ['d', 'b'],
  );
  // The whole filtered list, not a page of it.
  assert.equal(all.total, all.rows.length);
  assert.equal(reviewModel(preds, labels, { filter: 'all', positive: 1 }).item('zz'), undefined);
});

test('reviewPage uses only test-split predictions when splits are tagged', () => {
  const page = reviewPage([pred('v', 0, 0.9, 'validation'), pred('t', 0, 0.8, 'test'), pred('u', 1, 0.9, 'test')], ['neg', 'pos'], {
    filter: 'all',
    positive: 1,
  });
  assert.equal(page.evaluated, 2);
  assert.deepEqual(
    page.rows.map((i) => i.id),
    ['t'],
  );
});

const testMetrics = (accuracy: number, n = 400): EvalMetrics => ({
  n,
  labels: ['neg', 'pos'],
  accuracy,
  accuracyCI: [accuracy - 0.03, accuracy + 0.03],
  macroPrecision: accuracy,
  macroRecall: accuracy,
  macroF1: accuracy,
  perClass: [{ label: 'neg', precision: 0.9, recall: 0.8, f1: 0.85, support: 200 }],
  rocAuc: 0.93,
  logLoss: 0.31,
  confusion: [
    [160, 40],
    [20, 180],
  ],
  ece: 0.04,
  reliability: [],
});
const run = (id: string, extra: Partial<RunManifest>): { dir: string; manifest: RunManifest } => ({
  dir: `/runs/${id}`,
  manifest: {
    id,
    kind: 'finetune',
    status: 'completed',
    config: {},
    seed: 1,
    packages: {},
    device: 'cpu',
    hostPid: 1,
    startedAt: 't',
    dataset: { id: 'movie-reviews', hash: 'h', splitHash: 's', labels: ['neg', 'pos'] },
    ...extra,
  },
});

test('comparisonTable marks the best run and says when test sets differ', () => {
  const t = comparisonTable([
    run('ft', { test: testMetrics(0.85), durationMs: 125_000 }),
    run('tfidf', { kind: 'baseline-tfidf', test: testMetrics(0.88) }),
    run('live', { status: 'running' }),
  ]);
  assert.deepEqual(
    t.rows.map((r) => r.best),
    [false, true, false],
  );
  assert.equal(t.rows[0].cells[4], '85.0% (82.0%–88.0%)');
  assert.equal(t.rows[0].cells[9], '2m 05s');
  assert.equal(t.rows[1].cells[1], 'TF-IDF + logistic regression');
  assert.ok(t.notes.some((n) => n.includes('No test metrics yet for live')));
  assert.ok(t.notes.some((n) => n.includes('400 examples')));
  assert.ok(!t.notes.some((n) => n.includes('not directly comparable')));
  assert.ok(t.notes.some((n) => n.endsWith('"Compare runs" on two runs gives the paired test.')));
  const paired = comparisonTable([run('ft', { test: testMetrics(0.85) }), run('tfidf', { test: testMetrics(0.88) })], { paired: true });
  assert.ok(paired.notes.some((n) => n.endsWith('the paired tests below say whether it is more than that.')));
  const other = run('other', { test: testMetrics(0.9) });
  other.manifest.dataset = { id: 'x', hash: 'h2', labels: [] };
  assert.ok(comparisonTable([run('ft', { test: testMetrics(0.85) }), other]).notes.some((n) => n.includes('not directly comparable')));
});

test('format helpers: best metric, duration, status icons, metric rows', () => {
  assert.equal(bestMetric(run('a', { test: testMetrics(0.875) }).manifest), 'test acc 87.5%');
  assert.equal(bestMetric(run('a', { best: { step: 10, epoch: 1, metric: 'accuracy', value: 0.8 } }).manifest), 'best val accuracy 80.0%');
  assert.equal(bestMetric(run('a', {}).manifest), '');
  assert.equal(duration(3_723_000), '1h 02m');
  assert.equal(duration(undefined), '');
  assert.equal(statusIcon('running'), 'sync~spin');
  const rows = metricRows(run('a', { test: testMetrics(0.875) }).manifest);
  assert.equal(rows[0].value, '87.5% (95% CI 84.5%–90.5%)');
  // the confusion matrix is its own table now (confusionView), not a text row
  assert.ok(!rows.some((r) => /confusion/i.test(r.label)));
  assert.deepEqual(metricRows(run('a', {}).manifest), []);
});

test('reviewPage takes texts from the record or from the lookup by id', () => {
  const withText = { ...pred('a', 0, 0.9), text: 'own text' } as PredictionRecord;
  const model = reviewModel([withText, pred('b', 1, 0.2)], ['neg', 'pos'], { filter: 'all', positive: 1 }, (id) => (id === 'b' ? 'looked up' : undefined));
  // The rows are light (word counts, no texts); the text comes with the item of an opened row.
  assert.deepEqual(
    model.page.rows.map((r) => [r.id, r.words, 'text' in r]),
    [
      ['a', 2, false],
      ['b', 2, false],
    ],
  ); // confidences 0.9, 0.8
  assert.deepEqual(
    model.page.rows.map((r) => model.item(r.id)?.text),
    ['own text', 'looked up'],
  );
});

test('Write Reflection never overwrites: REFLECTION.md, else the first free REFLECTION-N.md', () => {
  assert.equal(
    freeReflectionName(() => false),
    'REFLECTION.md',
  );
  const taken = new Set(['REFLECTION.md', 'REFLECTION-2.md']);
  assert.equal(
    freeReflectionName((n) => taken.has(n)),
    'REFLECTION-3.md',
  );
});

test('reflection summaries: the compared runs with their CIs in one line, or why nothing was written', () => {
  const r = {
    markdown: '',
    splitHash: 'abcdef0123456789',
    runs: [{ id: 't', title: 'TF-IDF + logistic regression', accuracy: 0.8875, accuracyCI: [0.855, 0.918] as [number, number] }],
    excluded: [{ id: 'x', reason: 'status failed' }],
  };
  assert.equal(
    reflectionSummary(r),
    'Reflection on 1 run of split abcdef01: TF-IDF + logistic regression 88.8% (95% CI 85.5%–91.8%); 1 run not compared (see the file).',
  );
  const none = nothingToReflectOn({ ...r, runs: [] }, '/ws/runs');
  assert.equal(none, 'No completed run with test predictions in /ws/runs (x: status failed): run a baseline and a fine-tuning run first; nothing was written.');
  assert.ok(!none.includes('\n'));
});

test('startedShort: time only today, date and time before, empty when unknown', () => {
  const now = new Date(2026, 10, 26, 15, 0);
  assert.equal(startedShort(new Date(2026, 10, 26, 9, 5).toISOString(), now), '09:05');
  assert.equal(startedShort(new Date(2026, 10, 25, 23, 59).toISOString(), now), 'Nov 25 23:59');
  assert.equal(startedShort(undefined, now), '');
  assert.equal(startedShort('garbage', now), '');
});

test("progressText: the step with its percentage only when the total is known; a baseline's candidate C instead of a fake fraction", () => {
  const base = { runId: 'r', device: 'cpu' };
  assert.equal(
    progressText({ ...base, phase: 'training', step: 36, total: 88, epoch: 1, loss: 0.6123, etaSec: 79 }),
    'training · step 36/88 (41%) · epoch 1 · loss 0.612 · 1m 19s left',
  );
  const c = progressText({ ...base, phase: 'training', step: 40, total: 0, detail: 'C 2/3 (C=10) · iteration 40', loss: 0.2 });
  assert.equal(c, 'training · C 2/3 (C=10) · iteration 40 · loss 0.200');
  assert.ok(!c.includes('%'));
  assert.equal(progressText({ ...base, phase: 'evaluating', step: 1, total: 2 }), 'evaluating · 1/2 (50%)');
});
