// The comparison panel's parts besides the table: the runs' training curves overlaid on one chart each, the paired
// tests against a reference run (numbers from the host's runs/compare), confusion matrices and reliability
// diagrams from the runs' test metrics (or their predictions when run.json has none). No vscode import.
import type { Comparison, MetricRecord, PredictionRecord, ReliabilityBin, RunManifest } from '../../protocol';
import type { ChartData, ConfusionView, ReliabilityView, SignificanceRow } from '../../protocol/webviewMessages';
import { ema, splitRecords } from './charts';
import { num } from './format';
import { testPredictions } from './review';
import { points } from '../../shared/format';
import { bootstrapCountsCI, macroF1 } from '../../shared/stats';

/**
 * The compared runs' curves on a shared fine-tuning step axis: each fine-tuning run's smoothed training loss and
 * its validation accuracy. A baseline's "steps" are L-BFGS iterations of its fits, not steps over the data, so its
 * loss is not overlaid; its validation accuracy (one evaluation, after the fit) is drawn as a dashed level across
 * the chart instead of a lone dot at the edge. Each run keeps one colour across the two charts.
 */
export function overlaidCurves(all: readonly { id: string; kind?: string; metrics: readonly MetricRecord[] }[]): ChartData[] {
  const isBaseline = (r: { kind?: string }) => r.kind?.startsWith('baseline') ?? false;
  const tuned = all.filter((r) => !isBaseline(r) && r.metrics.some((m) => m.type === 'step' || (m.type === 'eval' && m.split === 'validation')));
  const loss: Map<number, number>[] = [];
  const acc: Map<number, number>[] = [];
  for (const r of tuned) {
    const { steps, evals } = splitRecords(r.metrics);
    const smooth = ema(steps.map((s) => s.loss));
    loss.push(new Map(steps.map((s, i) => [s.step, smooth[i]])));
    const a = new Map<number, number>();
    for (const e of evals) if (e.split === 'validation' && Number.isFinite(e.metrics.accuracy)) a.set(e.step, e.metrics.accuracy);
    acc.push(a);
  }
  const levels = all.filter(isBaseline).flatMap((r) => {
    const v = [...r.metrics]
      .reverse()
      .find((m): m is Extract<MetricRecord, { type: 'eval' }> => m.type === 'eval' && m.split === 'validation' && Number.isFinite(m.metrics.accuracy));
    return v ? [{ id: r.id, accuracy: v.metrics.accuracy }] : [];
  });
  const axis = (cols: Map<number, number>[]) => [...new Set(cols.flatMap((c) => [...c.keys()]))].sort((a, b) => a - b);
  const lossX = axis(loss);
  const accX = axis(acc);
  const skipped = all.filter(isBaseline).map((r) => r.id);
  return [
    {
      id: 'compare-loss',
      title: 'Training loss (smoothed), fine-tuning runs',
      xLabel: 'fine-tuning step',
      yLabel: 'cross-entropy',
      x: lossX,
      series: tuned.map((r, i) => ({ label: `${r.id} train loss`, values: lossX.map((s) => loss[i].get(s) ?? null) })),
      ...(skipped.length
        ? { note: `Not drawn: ${skipped.join(', ')} — a baseline's iterations are optimizer steps of its logistic-regression fit, not fine-tuning steps.` }
        : {}),
    },
    {
      id: 'compare-accuracy',
      title: 'Validation accuracy, per run',
      xLabel: 'fine-tuning step',
      yLabel: 'accuracy',
      x: accX,
      series: [
        ...tuned.map((r, i) => ({ label: `${r.id} val accuracy`, values: accX.map((s) => acc[i].get(s) ?? null) })),
        // A level needs a chart to span: only drawn over fine-tuning runs' evaluations.
        ...(accX.length
          ? levels.map((l) => ({ label: `${l.id} val accuracy (after its fit)`, values: accX.map(() => l.accuracy), style: 'reference' as const }))
          : []),
      ],
      ...(levels.length ? { note: "Dashed: a baseline's validation accuracy, one evaluation after its fit, drawn as a level to compare with." } : {}),
    },
  ];
}

/** The reference of a comparison when none was chosen: the TF-IDF baseline, else another baseline, else the first. */
export function defaultReference(runs: readonly { dir: string; manifest: RunManifest }[]): string | undefined {
  const tested = runs.filter((r) => r.manifest.test);
  const pool = tested.length ? tested : runs;
  return (pool.find((r) => r.manifest.kind === 'baseline-tfidf') ?? pool.find((r) => r.manifest.kind.startsWith('baseline')) ?? pool[0])?.dir;
}

/** One row per non-reference run: difference (run − reference) with its paired 95% CI, discordant pairs, McNemar p. */
export function significanceRow(run: { id: string; dir: string }, referenceId: string, result: Comparison | { error: string }): SignificanceRow {
  if ('error' in result) {
    return { runId: run.id, dir: run.dir, difference: '', ci: '', discordant: '', p: '', significant: false, verdict: 'no paired test', error: result.error };
  }
  const c = result;
  // Significant when McNemar rejects at 0.05; the bootstrap CI excluding 0 says the same in most cases.
  const significant = c.mcnemarP < 0.05;
  const excludesZero = c.differenceCI[0] > 0 || c.differenceCI[1] < 0;
  return {
    runId: run.id,
    dir: run.dir,
    difference: `${points(c.difference)} pts`,
    ci: `${points(c.differenceCI[0])} to ${points(c.differenceCI[1])}`,
    discordant: `${c.onlyBCorrect} right only here · ${c.onlyACorrect} right only in ${referenceId}`,
    p: c.mcnemarP < 0.001 ? '< 0.001' : c.mcnemarP.toPrecision(2),
    significant,
    verdict: significant
      ? `${c.difference > 0 ? 'better' : 'worse'} than ${referenceId} (p < 0.05)`
      : `not significant at 0.05${excludesZero ? ' (the bootstrap CI excludes 0: borderline)' : ''}`,
  };
}

/** confusion[true][pred] as shaded cells: share = count / row total (recall on the diagonal). */
export function confusionView(runId: string, labels: readonly string[], confusion: readonly (readonly number[])[]): ConfusionView {
  const cells = confusion.map((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, p) => ({ count, share: total ? count / total : 0, correct: t === p }));
  });
  const n = confusion.reduce((a, row) => a + row.reduce((x, y) => x + y, 0), 0);
  return { runId, labels: [...labels], cells, n };
}

export function confusionFromPredictions(preds: readonly PredictionRecord[], k: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const p of testPredictions(preds)) if (p.label < k && p.pred < k) m[p.label][p.pred]++;
  return m;
}

/** Equal-width bins of the top probability (as the host's calibration): mean confidence and accuracy per bin. */
export function reliabilityFromPredictions(preds: readonly PredictionRecord[], bins = 10): ReliabilityBin[] {
  const count = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  const right = new Array<number>(bins).fill(0);
  for (const p of testPredictions(preds)) {
    if (!p.probs?.length) continue;
    let top = 0;
    for (let j = 1; j < p.probs.length; j++) if (p.probs[j] > p.probs[top]) top = j;
    const c = p.probs[top];
    const b = Math.min(bins - 1, Math.floor(c * bins));
    count[b]++;
    conf[b] += c;
    if (top === p.label) right[b]++;
  }
  return count.map((c, b) => ({ lo: b / bins, hi: (b + 1) / bins, count: c, confidence: c ? conf[b] / c : 0, accuracy: c ? right[b] / c : 0 }));
}

/** Expected calibration error: the count-weighted mean gap between confidence and accuracy. */
export function eceOf(bins: readonly ReliabilityBin[]): number {
  const n = bins.reduce((a, b) => a + b.count, 0);
  return n ? bins.reduce((a, b) => a + (b.count / n) * Math.abs(b.accuracy - b.confidence), 0) : 0;
}

export function reliabilityView(runId: string, bins: readonly ReliabilityBin[], ece?: number): ReliabilityView {
  const nonEmpty = bins.filter((b) => b.count > 0).map(({ lo, hi, confidence, accuracy, count }) => ({ lo, hi, confidence, accuracy, count }));
  return { runId, ece: num(ece ?? eceOf(bins)), bins: nonEmpty, n: nonEmpty.reduce((a, b) => a + b.count, 0) };
}

/**
 * Percentile bootstrap 95% CI of the macro F1 over the test examples (resampled with replacement, seeded, so the
 * panel shows the same interval every time). run.json carries a CI for the accuracy only.
 */
export function macroF1CI(preds: readonly PredictionRecord[], k: number, resamples = 1000, seed = 1): [number, number] {
  const test = testPredictions(preds).filter((p) => p.label < k && p.pred < k);
  const n = test.length;
  if (n === 0) return [NaN, NaN];
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const cell = Uint16Array.from(test, (p) => p.label * k + p.pred);
  return bootstrapCountsCI(resamples, seed, cell, k * k, (counts) => {
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) m[i][j] = counts[i * k + j];
    return macroF1(m);
  });
}

/** Whether the host can ensemble these runs (the checks it makes itself, from run.json), else why not. */
export function ensembleState(runs: { manifest: RunManifest }[]): { enabled: boolean; reason?: string } {
  if (runs.length < 2) return { enabled: false, reason: 'An ensemble needs two or more runs.' };
  const notDone = runs.find((r) => r.manifest.status !== 'completed' || !r.manifest.test);
  if (notDone) return { enabled: false, reason: `Run ${notDone.manifest.id} is ${notDone.manifest.status}; ensemble completed runs.` };
  const split = runs[0].manifest.dataset?.splitHash;
  if (runs.some((r) => r.manifest.dataset?.splitHash !== split))
    return { enabled: false, reason: 'The runs were made on different splits; ensemble runs of one split.' };
  return { enabled: true };
}
