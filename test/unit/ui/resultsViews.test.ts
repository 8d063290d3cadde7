// Issue #14 items 5, 6, 8, 15: what the results panel draws for each run kind, how it names the device, which
// words the saliency browser may leave unshaded. Pure view models, no vscode.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { MetricRecord, RunManifest } from '../../../src/protocol';
import { allCharts, fitChart, pointCount } from '../../../src/ui/viewmodel/charts';
import { overlaidCurves } from '../../../src/ui/viewmodel/compareView';
import { deviceView, runHeader } from '../../../src/ui/viewmodel/format';
import { isMinorWord, saliencySpans } from '../../../src/ui/viewmodel/saliency';

const time = new Date(0).toISOString();
const step = (s: number, loss: number, C?: number): MetricRecord => ({
  type: 'step',
  step: s,
  epoch: 0,
  loss,
  lr: s % 2 ? 1 : 0.25,
  step_ms: 1,
  time,
  ...(C === undefined ? {} : { C }),
});
const val = (s: number, accuracy: number): MetricRecord => ({
  type: 'eval',
  step: s,
  epoch: 0,
  split: 'validation',
  time,
  metrics: { accuracy, macroF1: accuracy, rocAuc: null, logLoss: 0.4, ece: 0.02 },
});

/** Three L-BFGS fits (C = 1, 10, 100) of 5, 8 and 6 iterations, each starting again at log 2, then the evaluations. */
function baselineMetrics(withC: boolean): MetricRecord[] {
  const out: MetricRecord[] = [];
  let s = 0;
  for (const [C, n] of [
    [1, 5],
    [10, 8],
    [100, 6],
  ] as const)
    for (let i = 0; i < n; i++) out.push(step(++s, 0.693 * Math.exp(-i / (C === 1 ? 2 : 4)) + (0.01 * C) / 100, withC ? C : undefined));
  out.push(val(s, 0.875));
  return out;
}

test('a baseline draws its fits (one series per candidate C, x = iteration of the fit), not a loss, learning rate or accuracy over steps', () => {
  for (const withC of [true, false]) {
    const charts = allCharts(baselineMetrics(withC), 'baseline-tfidf');
    assert.deepEqual(
      charts.map((c) => c.id),
      ['fit'],
    );
    const fit = charts[0];
    assert.deepEqual(
      fit.series.map((x) => x.label),
      withC ? ['C = 1', 'C = 10', 'C = 100'] : ['fit 1', 'fit 2', 'fit 3'],
    );
    assert.deepEqual(fit.x, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(
      fit.series.map((x) => x.values.filter((v) => v !== null).length),
      [5, 8, 6],
    );
    // within a fit the objective never rises (no restarting line)
    for (const x of fit.series) {
      const v = x.values.filter((y): y is number => y !== null);
      assert.ok(
        v.every((y, i) => i === 0 || y <= v[i - 1]),
        x.label,
      );
    }
    assert.equal(pointCount(fit), 19);
    assert.match(fit.note ?? '', /not training steps/);
  }
  // one fit (C given): one series
  assert.equal(fitChart([step(1, 0.69, 10), step(2, 0.5, 10)]).series.length, 1);
  // fine-tuning runs keep loss, accuracy and learning rate
  assert.deepEqual(
    allCharts([step(1, 0.7), val(1, 0.6)], 'finetune').map((c) => c.id),
    ['loss', 'accuracy', 'lr'],
  );
});

test("comparison curves: fine-tuning steps only on the loss overlay; a baseline's validation accuracy is a dashed level, not a lone dot", () => {
  const ft = [step(1, 0.7), step(2, 0.6), val(2, 0.7), step(3, 0.5), step(4, 0.45), val(4, 0.8)];
  const [loss, acc] = overlaidCurves([
    { id: 'ft', kind: 'finetune', metrics: ft },
    { id: 'tfidf', kind: 'baseline-tfidf', metrics: baselineMetrics(true) },
  ]);
  assert.deepEqual(
    loss.series.map((s) => s.label),
    ['ft train loss'],
  );
  assert.deepEqual(loss.x, [1, 2, 3, 4]);
  assert.equal(loss.xLabel, 'fine-tuning step');
  assert.match(loss.note ?? '', /Not drawn: tfidf/);
  assert.deepEqual(acc.x, [2, 4]);
  assert.deepEqual(
    acc.series.map((s) => [s.label, s.style ?? 'line', s.values]),
    [
      ['ft val accuracy', 'line', [0.7, 0.8]],
      ['tfidf val accuracy (after its fit)', 'reference', [0.875, 0.875]],
    ],
  );
  // only baselines: nothing to overlay and no level without a step axis
  const [l2, a2] = overlaidCurves([{ id: 'tfidf', kind: 'baseline-tfidf', metrics: baselineMetrics(true) }]);
  assert.equal(pointCount(l2) + pointCount(a2), 0);
});

test('device: "CPU, 2 threads" with why not the GPU on demand, from config.execution or the one-line summary', () => {
  const summary =
    'cpu, 2 threads (cuda: libraries not installed (libcudart.so.12); webgpu: no GPU device (/dev/nvidia0 missing)) · cpu: 2 x AMD EPYC 7B13 (linux/x64)';
  const parsed = deviceView({ device: summary, config: {} });
  assert.equal(parsed.short, 'CPU, 2 threads');
  assert.deepEqual(parsed.details, {
    summary: 'why not the GPU?',
    lines: [
      'NVIDIA GPU (CUDA): libraries not installed (libcudart.so.12)',
      'WebGPU: no GPU device (/dev/nvidia0 missing)',
      'Machine: 2 x AMD EPYC 7B13 (linux/x64)',
    ],
  });
  const recorded = deviceView({
    device: summary,
    config: { execution: { requested: 'cuda', device: 'cpu', threads: 4, reasons: { cuda: 'no driver' }, fallback: true } },
  });
  assert.equal(recorded.short, 'CPU, 4 threads');
  assert.deepEqual(recorded.details!.lines, [
    'NVIDIA GPU (CUDA) was asked for and could not be used; the run used the CPU.',
    'NVIDIA GPU (CUDA): no driver',
    'Machine: 2 x AMD EPYC 7B13 (linux/x64)',
  ]);
  const gpu = deviceView({
    device: 'webgpu, 2 threads · cpu: 2 x X (linux/x64)',
    config: { execution: { device: 'webgpu', threads: 2, adapter: { name: 'llvmpipe' } } },
  });
  assert.equal(gpu.short, 'WebGPU (llvmpipe)');
  assert.equal(gpu.details!.summary, 'device details');
  const baseline = deviceView({ device: 'cpu: 2 x AMD EPYC 7B13 (linux/x64)', config: {} });
  assert.equal(baseline.short, 'CPU');
  assert.deepEqual(baseline.details, { summary: 'device details', lines: ['Machine: 2 x AMD EPYC 7B13 (linux/x64)'] });
  // a baseline opens on its test metrics, a fine-tuning run on its curves
  const m = (kind: RunManifest['kind']) =>
    ({ id: 'x', kind, status: 'completed', config: {}, seed: 1, packages: {}, device: summary, startedAt: time }) as unknown as RunManifest;
  assert.equal(runHeader('/r', m('baseline-tfidf')).opensOn, 'metrics');
  assert.equal(runHeader('/r', m('finetune')).opensOn, 'training');
  assert.equal(runHeader('/r', { ...m('baseline-tfidf'), status: 'running' }).opensOn, 'training');
  assert.equal(runHeader('/r', m('finetune')).device, 'CPU, 2 threads');
});

test('saliency: punctuation and function words are marked minor (the browser can leave them unshaded)', () => {
  for (const w of ['the', 'The', 'of', '.', '--', ',', "it's", '(and)']) assert.equal(isMinorWord(w), true, w);
  for (const w of ['brilliant', 'boring', 'film,', 'Nolan']) assert.equal(isMinorWord(w), false, w);
  const spans = saliencySpans('The film is brilliant .', [
    ['the', 0.9],
    ['film', 0.2],
    ['is', 0.5],
    ['brilliant', 1],
    ['.', 0.7],
  ]);
  assert.deepEqual(
    spans.filter((s) => s.score !== undefined).map((s) => [s.text, Boolean(s.minor)]),
    [
      ['The', true],
      ['film', false],
      ['is', true],
      ['brilliant', false],
      ['.', true],
    ],
  );
});
