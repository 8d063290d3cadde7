// Turns metrics.jsonl records into the aligned series the results panel plots with uPlot (x = optimizer step, or
// a baseline's L-BFGS iteration; null where a series has no point at that step). No vscode import.
import type { MetricRecord } from '../../protocol';
import type { ChartData } from '../../protocol/webviewMessages';

type StepRecord = Extract<MetricRecord, { type: 'step' }>;
type EvalRecord = Extract<MetricRecord, { type: 'eval' }>;

function align(xs: Iterable<number>, columns: Map<number, number>[]): { x: number[]; ys: (number | null)[][] } {
  const x = [...new Set(xs)].sort((a, b) => a - b);
  return { x, ys: columns.map((col) => x.map((s) => (col.has(s) ? (col.get(s) as number) : null))) };
}

/** Exponential moving average, the usual smoothing of a noisy per-step training loss. */
export function ema(values: readonly number[], alpha = 0.1): number[] {
  const out: number[] = [];
  let acc = NaN;
  for (const v of values) {
    acc = Number.isNaN(acc) ? v : alpha * v + (1 - alpha) * acc;
    out.push(acc);
  }
  return out;
}

/** Keeps the last record for each step (a resumed run repeats the steps after its checkpoint). */
function lastPerStep<T extends { step: number }>(records: T[]): T[] {
  const m = new Map<number, T>();
  for (const r of records) m.set(r.step, r);
  return [...m.values()].sort((a, b) => a.step - b.step);
}

export function splitRecords(metrics: readonly MetricRecord[]): { steps: StepRecord[]; evals: EvalRecord[] } {
  const steps = lastPerStep(metrics.filter((r): r is StepRecord => r.type === 'step' && Number.isFinite(r.loss)));
  const evals = metrics.filter((r): r is EvalRecord => r.type === 'eval');
  return { steps, evals };
}

function evalColumn(evals: EvalRecord[], split: EvalRecord['split'], pick: (r: EvalRecord) => number | null | undefined): Map<number, number> {
  const col = new Map<number, number>();
  for (const r of evals) {
    const v = r.split === split ? pick(r) : undefined;
    if (typeof v === 'number' && Number.isFinite(v)) col.set(r.step, v);
  }
  return col;
}

export function lossChart(metrics: readonly MetricRecord[]): ChartData {
  const { steps, evals } = splitRecords(metrics);
  const train = new Map(steps.map((r) => [r.step, r.loss]));
  const smooth = ema(steps.map((r) => r.loss));
  const smoothCol = new Map(steps.map((r, i) => [r.step, smooth[i]]));
  const val = evalColumn(evals, 'validation', (r) => r.metrics.loss ?? r.metrics.logLoss);
  const { x, ys } = align([...train.keys(), ...val.keys()], [train, smoothCol, val]);
  return {
    id: 'loss',
    title: 'Loss',
    xLabel: 'step',
    yLabel: 'cross-entropy',
    x,
    series: [
      { label: 'train loss', values: ys[0], style: 'faint' },
      { label: 'train loss (smoothed)', values: ys[1] },
      { label: 'validation loss', values: ys[2], style: 'points' },
    ],
  };
}

export function accuracyChart(metrics: readonly MetricRecord[]): ChartData {
  const { evals } = splitRecords(metrics);
  const val = evalColumn(evals, 'validation', (r) => r.metrics.accuracy);
  const train = evalColumn(evals, 'train', (r) => r.metrics.accuracy);
  const f1 = evalColumn(evals, 'validation', (r) => r.metrics.macroF1);
  const { x, ys } = align([...val.keys(), ...train.keys(), ...f1.keys()], [val, f1, train]);
  return {
    id: 'accuracy',
    title: 'Validation accuracy',
    xLabel: 'step',
    yLabel: 'accuracy',
    x,
    series: [
      { label: 'validation accuracy', values: ys[0], style: 'points' },
      { label: 'validation macro-F1', values: ys[1], style: 'points' },
      { label: 'train accuracy', values: ys[2], style: 'points' },
    ],
  };
}

export function lrChart(metrics: readonly MetricRecord[]): ChartData {
  const { steps } = splitRecords(metrics);
  return {
    id: 'lr',
    title: 'Learning rate',
    xLabel: 'step',
    yLabel: 'lr',
    x: steps.map((r) => r.step),
    series: [{ label: 'learning rate', values: steps.map((r) => (Number.isFinite(r.lr) ? r.lr : null)) }],
  };
}

/**
 * A baseline's logistic-regression fits: the L-BFGS objective per iteration, one series per fit (a candidate
 * regularisation strength C, from the step records; older runs without C: a fit starts where the objective rises,
 * which L-BFGS's line search never does within a fit), x = iteration within the fit.
 */
export function fitChart(metrics: readonly MetricRecord[]): ChartData {
  const { steps } = splitRecords(metrics);
  const fits: { C?: number; losses: number[] }[] = [];
  let prev: StepRecord | undefined;
  for (const r of steps) {
    const newFit = !prev || (r.C !== undefined ? r.C !== prev.C : r.loss > prev.loss + 1e-12);
    if (newFit) fits.push({ C: r.C, losses: [] });
    fits[fits.length - 1].losses.push(r.loss);
    prev = r;
  }
  const n = Math.max(0, ...fits.map((f) => f.losses.length));
  const x = Array.from({ length: n }, (_, i) => i + 1);
  const candidates = fits.length > 1;
  return {
    id: 'fit',
    title: candidates ? `Fitting the logistic regression: ${fits.length} candidate regularisation strengths` : 'Fitting the logistic regression',
    xLabel: 'L-BFGS iteration',
    yLabel: 'training objective',
    x,
    series: fits.map((f, i) => ({
      label: f.C !== undefined ? `C = ${f.C}` : candidates ? `fit ${i + 1}` : 'objective',
      values: x.map((_, j) => f.losses[j] ?? null),
    })),
    note: candidates
      ? 'Each candidate C is fitted from scratch and the one with the best validation accuracy is kept (Test metrics); iterations are optimizer steps of one fit, not training steps over the data.'
      : 'Iterations are optimizer steps of the fit, not training steps over the data.',
  };
}

/** The charts that mean something for the run's kind: a baseline's fits; a fine-tuning run's loss, accuracy and learning rate. */
export function allCharts(metrics: readonly MetricRecord[], kind?: string): ChartData[] {
  if (kind?.startsWith('baseline')) return [fitChart(metrics)];
  return [lossChart(metrics), accuracyChart(metrics), lrChart(metrics)];
}

/** Number of plotted points (non-null values) over all series: what the tests and the status line count. */
export function pointCount(chart: ChartData): number {
  return chart.series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0);
}
