// Classification metrics computed from labels and predicted class probabilities.
// Formulas follow scikit-learn (precision/recall/F1 with zero_division=0, roc_auc_score with macro
// one-vs-rest for more than two classes, log_loss with clipping) so numbers can be checked against it.
import type { ClassMetrics, EvalMetrics, ReliabilityBin } from '../../protocol';
import { mulberry32 } from '../../shared/prng';
import { bootstrapCI, bootstrapCountsCI, classF1, quantileSorted } from '../../shared/stats';

export { quantileSorted };

export type { ClassMetrics, EvalMetrics, ReliabilityBin };

export interface EvalOptions {
  labelNames?: string[];
  seed?: number;
  resamples?: number;
}

/** Index of the largest probability; ties go to the lowest index (like numpy.argmax). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

function checkInputs(labels: ArrayLike<number>, probs: ArrayLike<number>[]): number {
  if (labels.length !== probs.length) throw new Error(`metrics: ${labels.length} labels but ${probs.length} probability rows`);
  if (labels.length === 0) throw new Error('metrics: no examples to evaluate');
  const k = probs[0].length;
  if (k < 2) throw new Error('metrics: need probabilities for at least 2 classes');
  for (let i = 0; i < labels.length; i++) {
    if (probs[i].length !== k) throw new Error(`metrics: row ${i} has ${probs[i].length} probabilities, expected ${k}`);
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= k) throw new Error(`metrics: label ${y} at row ${i} is outside 0..${k - 1}`);
  }
  return k;
}

export function accuracy(labels: ArrayLike<number>, preds: ArrayLike<number>): number {
  let c = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === preds[i]) c++;
  return c / labels.length;
}

export function confusionMatrix(labels: ArrayLike<number>, preds: ArrayLike<number>, k: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]][preds[i]]++;
  return m;
}

export function perClassMetrics(confusion: number[][], names: string[]): ClassMetrics[] {
  return confusion.map((row, c) => ({ label: names[c], ...classF1(confusion, c), support: row.reduce((a, b) => a + b, 0) }));
}

/** Area under the ROC curve via the Mann-Whitney U statistic with tied scores given their average rank. */
export function binaryAuc(isPositive: ArrayLike<boolean>, scores: ArrayLike<number>): number | null {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let nPos = 0;
  let rankSumPos = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) {
      if (isPositive[order[t]]) {
        nPos++;
        rankSumPos += avgRank;
      }
    }
    i = j + 1;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

export function rocAuc(labels: ArrayLike<number>, probs: ArrayLike<number>[]): number | null {
  const k = probs[0].length;
  if (k === 2)
    return binaryAuc(
      Array.from(labels, (y) => y === 1),
      probs.map((p) => p[1]),
    );
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const auc = binaryAuc(
      Array.from(labels, (y) => y === c),
      probs.map((p) => p[c]),
    );
    if (auc === null) return null;
    sum += auc;
  }
  return sum / k;
}

/** Mean negative log-likelihood; rows are renormalised and clipped to [1e-15, 1-1e-15] like scikit-learn. */
export function logLoss(labels: ArrayLike<number>, probs: ArrayLike<number>[]): number {
  const eps = 1e-15;
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = probs[i];
    let s = 0;
    for (let j = 0; j < row.length; j++) s += Math.min(Math.max(row[j], eps), 1 - eps);
    const p = Math.min(Math.max(row[labels[i]], eps), 1 - eps) / s;
    total -= Math.log(p);
  }
  return total / labels.length;
}

/** Reliability bins over the confidence (max probability): bin b holds (b/10, (b+1)/10], bin 0 also holds 0. */
export function calibration(labels: ArrayLike<number>, probs: ArrayLike<number>[], bins = 10): { ece: number; reliability: ReliabilityBin[] } {
  const count = new Array<number>(bins).fill(0);
  const confSum = new Array<number>(bins).fill(0);
  const correct = new Array<number>(bins).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const pred = argmax(probs[i]);
    const conf = probs[i][pred];
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(conf * bins) - 1));
    count[b]++;
    confSum[b] += conf;
    if (pred === labels[i]) correct[b]++;
  }
  let ece = 0;
  const reliability: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const c = count[b];
    const confidence = c ? confSum[b] / c : 0;
    const acc = c ? correct[b] / c : 0;
    ece += (c / labels.length) * Math.abs(acc - confidence);
    reliability.push({ lo: b / bins, hi: (b + 1) / bins, count: c, confidence, accuracy: acc });
  }
  return { ece, reliability };
}

/** Percentile bootstrap 95% CI of the mean of per-example values (e.g. 1 = correct, 0 = wrong). */
export function bootstrapMeanCI(values: ArrayLike<number>, seed = 0, resamples = 2000): [number, number] {
  const n = values.length;
  return bootstrapCI(resamples, mulberry32(seed), (rnd) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[Math.floor(rnd() * n)];
    return s / n;
  });
}

export function evaluatePredictions(labels: ArrayLike<number>, probs: ArrayLike<number>[], opts: EvalOptions = {}): EvalMetrics {
  const k = checkInputs(labels, probs);
  const names = opts.labelNames ?? Array.from({ length: k }, (_, i) => String(i));
  if (names.length !== k) throw new Error(`metrics: ${names.length} label names for ${k} classes`);
  const preds = probs.map(argmax);
  const confusion = confusionMatrix(labels, preds, k);
  const perClass = perClassMetrics(confusion, names);
  const mean = (f: (c: ClassMetrics) => number) => perClass.reduce((s, c) => s + f(c), 0) / k;
  const correct = Array.from(labels, (y, i) => (y === preds[i] ? 1 : 0));
  const { ece, reliability } = calibration(labels, probs);
  return {
    n: labels.length,
    labels: names,
    accuracy: accuracy(labels, preds),
    // bootstrapMeanCI of the 0/1 values, as counts (the same draws and interval, several times faster)
    accuracyCI: bootstrapCountsCI(opts.resamples ?? 2000, opts.seed ?? 0, Uint8Array.from(correct), 2, (c) => c[1] / labels.length),
    macroPrecision: mean((c) => c.precision),
    macroRecall: mean((c) => c.recall),
    macroF1: mean((c) => c.f1),
    perClass,
    rocAuc: rocAuc(labels, probs),
    logLoss: logLoss(labels, probs),
    confusion,
    ece,
    reliability,
  };
}
