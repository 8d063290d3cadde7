// Comparison of two models' predictions on the same test examples: paired bootstrap CI of the accuracy
// difference, McNemar's exact test on the discordant pairs, and which examples were fixed or broken.
import { bootstrapCountsCI } from '../../shared/stats';
import type { Comparison } from '../../protocol';

export type { Comparison };

export interface PairedPrediction {
  id: string;
  label: number;
  pred: number;
}

function logChoose(n: number, k: number): number {
  return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}

// Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 relative for the arguments used here.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];
export function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  x -= 1;
  let a = LANCZOS[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Exact McNemar test: two-sided binomial test of b successes in b + c trials with p = 0.5. */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  let tail = 0;
  for (let i = 0; i <= k; i++) tail += Math.exp(logChoose(n, i) - n * Math.LN2);
  return Math.min(1, 2 * tail);
}

export function comparePredictions(a: PairedPrediction[], b: PairedPrediction[], seed = 0, resamples = 2000): Comparison {
  if (a.length !== b.length) throw new Error(`compare: the runs have ${a.length} and ${b.length} predictions; compare runs evaluated on the same test set`);
  if (a.length === 0) throw new Error('compare: no predictions to compare');
  const byId = new Map(b.map((p) => [p.id, p]));
  const n = a.length;
  const ca = new Uint8Array(n);
  const cb = new Uint8Array(n);
  const fixed: string[] = [];
  const broken: string[] = [];
  for (let i = 0; i < n; i++) {
    const pa = a[i];
    const pb = byId.get(pa.id);
    if (!pb) throw new Error(`compare: example '${pa.id}' is missing from the second run; compare runs evaluated on the same test set`);
    if (pb.label !== pa.label) throw new Error(`compare: example '${pa.id}' has label ${pa.label} in one run and ${pb.label} in the other`);
    ca[i] = pa.pred === pa.label ? 1 : 0;
    cb[i] = pb.pred === pb.label ? 1 : 0;
    if (!ca[i] && cb[i]) fixed.push(pa.id);
    if (ca[i] && !cb[i]) broken.push(pa.id);
  }
  const sum = (v: Uint8Array) => v.reduce((s, x) => s + x, 0);
  const accuracyA = sum(ca) / n;
  const accuracyB = sum(cb) / n;
  // Each example's category: 0 both alike, 1 only B right (+1), 2 only A right (-1).
  const cat = new Uint8Array(n);
  for (let i = 0; i < n; i++) cat[i] = cb[i] > ca[i] ? 1 : ca[i] > cb[i] ? 2 : 0;
  const differenceCI = bootstrapCountsCI(resamples, seed, cat, 3, (c) => (c[1] - c[2]) / n);
  return {
    n,
    accuracyA,
    accuracyB,
    difference: accuracyB - accuracyA,
    differenceCI,
    onlyACorrect: broken.length,
    onlyBCorrect: fixed.length,
    mcnemarP: mcnemarExact(broken.length, fixed.length),
    fixed,
    broken,
  };
}
