// Statistics used on both sides of the process boundary: the host's evaluation (src/host/eval/metrics.ts) and the
// comparison panel (src/ui/viewmodel/compareView.ts) compute macro F1 and bootstrap intervals the same way.

/** Per-class F1 of a confusion matrix (rows = true label, columns = prediction); precision or recall 0 when undefined. */
export function classF1(confusion: readonly (readonly number[])[], c: number): { precision: number; recall: number; f1: number } {
  let predicted = 0;
  let support = 0;
  for (let j = 0; j < confusion.length; j++) {
    predicted += confusion[j][c];
    support += confusion[c][j];
  }
  const tp = confusion[c][c];
  const precision = predicted ? tp / predicted : 0;
  const recall = support ? tp / support : 0;
  return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}

/** Macro-averaged F1 of a confusion matrix. */
export function macroF1(confusion: readonly (readonly number[])[]): number {
  const k = confusion.length;
  let sum = 0;
  for (let c = 0; c < k; c++) sum += classF1(confusion, c).f1;
  return k ? sum / k : 0;
}

/** Linear-interpolated quantile of sorted values (numpy's default method), q in [0, 1]; NaN when there are none. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** The same quantile of values in any order. */
export function quantileOf(values: readonly number[], q: number): number {
  return quantileSorted(
    values.slice().sort((a, b) => a - b),
    q,
  );
}

/**
 * Percentile bootstrap 95% interval: `statistic(rnd)` computes the statistic of one resample (drawing indices with
 * `rnd`, a seeded generator shared by all resamples); returns the 2.5% and 97.5% quantiles over `resamples` draws.
 */
export function bootstrapCI(resamples: number, rnd: () => number, statistic: (rnd: () => number) => number): [number, number] {
  const values = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) values[r] = statistic(rnd);
  values.sort();
  return [quantileSorted(values, 0.025), quantileSorted(values, 0.975)];
}
