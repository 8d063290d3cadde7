// Successive halving for gft search (search.ts runs it): the rungs, how many trials each rung keeps, what a plan
// costs by the probes' estimates, who is promoted, and the best trial. Pure functions over search.json's record.
import type { SearchRecord, SearchTrial, TrainConfig } from '../../protocol';
import { improves } from '../train/config';

/** The keep-1-in-eta of successive halving. */
export const ETA = 3;

/** Rung ends in epochs: 1, eta, eta^2 ... below the top, then the top itself (the --epochs given). */
export function rungEpochs(top: number, eta = ETA): number[] {
  const out: number[] = [];
  for (let e = 1; e < top; e *= eta) out.push(e);
  out.push(top);
  return out;
}

/**
 * How many trials each rung trains: all `n` in the first, then the best 1/eta of the one before (at least one
 * while more than one is left); a rung with a single trial is the last.
 */
export function rungSizes(n: number, rungs: number, eta = ETA): number[] {
  const out = [n];
  while (out.length < rungs) {
    const prev = out[out.length - 1];
    if (prev <= 1) break;
    out.push(Math.max(1, Math.floor(prev / eta)));
  }
  return out;
}

type Estimate = SearchTrial['estimate'];

/** Estimated seconds of one job taking a trial from `from` to `to` epochs (setting the run up, then the epochs). */
export function jobSeconds(e: Pick<Estimate, 'epochSeconds' | 'setupSeconds'>, from: number, to: number): number {
  return e.setupSeconds + (to - from) * e.epochSeconds;
}

/**
 * Estimated seconds of the plan with the first `estimates.length` trials: every trial's first rung, and for later
 * rungs (whose members are not known yet) the costliest of the trials.
 */
export function planSeconds(estimates: readonly Pick<Estimate, 'epochSeconds' | 'setupSeconds'>[], rungs: readonly number[], eta = ETA): number {
  const sizes = rungSizes(estimates.length, rungs.length, eta);
  let total = estimates.reduce((a, e) => a + jobSeconds(e, 0, rungs[0]), 0);
  for (let r = 1; r < sizes.length; r++) total += sizes[r] * Math.max(...estimates.map((e) => jobSeconds(e, rungs[r - 1], rungs[r])));
  return total;
}

/** A trial's validation value at rung r, when that rung completed. */
export function rungValue(t: SearchTrial, r: number): number | undefined {
  const x = t.rungs[r];
  return x && x.status === 'completed' ? x.value : undefined;
}

/** Sorts best first by the metric (loss: lowest), ties by trial number. */
function byValue(metric: TrainConfig['bestMetric'], values: Map<number, number>) {
  return (a: SearchTrial, b: SearchTrial) => {
    const va = values.get(a.trial)!;
    const vb = values.get(b.trial)!;
    if (va === vb) return a.trial - b.trial;
    return improves(metric, va, vb) ? -1 : 1;
  };
}

/** The trials of rung r: every planned trial in rung 0; then the best `size` of those that completed rung r-1. */
export function rungMembers(rec: Pick<SearchRecord, 'trials' | 'metric' | 'plan'>, r: number): SearchTrial[] {
  const trials = rec.trials.slice(0, rec.plan?.trials ?? 0);
  if (r === 0) return trials;
  const size = rec.plan?.rungSizes[r] ?? 0;
  const values = new Map<number, number>();
  for (const t of trials) {
    const v = rungValue(t, r - 1);
    if (v !== undefined && Number.isFinite(v)) values.set(t.trial, v);
  }
  return trials
    .filter((t) => values.has(t.trial))
    .sort(byValue(rec.metric, values))
    .slice(0, size);
}

/**
 * The best trial: the best validation value of any trial's last completed rung (ties: the higher rung, then the
 * lower trial number); undefined when no trial completed a rung.
 */
export function bestTrial(rec: Pick<SearchRecord, 'trials' | 'metric'>): { trial: SearchTrial; value: number; epochs: number } | undefined {
  let best: { trial: SearchTrial; value: number; epochs: number; rung: number } | undefined;
  for (const t of rec.trials) {
    for (let r = t.rungs.length - 1; r >= 0; r--) {
      const v = rungValue(t, r);
      if (v === undefined || !Number.isFinite(v)) continue;
      const better = !best || improves(rec.metric, v, best.value) || (v === best.value && r > best.rung);
      if (better) best = { trial: t, value: v, epochs: t.rungs[r].epochs, rung: r };
      break;
    }
  }
  return best && { trial: best.trial, value: best.value, epochs: best.epochs };
}
