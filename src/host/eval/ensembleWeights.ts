// Weights of an ensemble's members, fit on validation predictions only: a deterministic search over the simplex
// (every point of a 0.05 grid for up to 3 members; beyond, coordinate moves of 0.05 between pairs of members from
// equal weights) maximizing the validation log-likelihood; ties go to the higher validation accuracy, then to the
// weights nearest equal ones. Two ways to pool the members (ENSEMBLE_COMBINE in src/protocol/rpc.ts):
// - 'probs': the ensemble's probability is the weighted average of its members' (a linear pool);
// - 'logits': the weighted average of the members' log-probabilities times a temperature T, through a softmax (a
//   log-linear pool; for two labels, a logistic regression on the members' log-odds with non-negative weights and no
//   intercept). T is fit with the weights (the best T for each point of the grid) against Platt's smoothed targets,
//   which keep it finite where the pool separates the validation set; T changes no decision, only how sure the
//   ensemble is. A member whose probabilities stay near 0.5 (a strongly regularised logistic regression)
//   still moves the decision by its log-odds, where in the linear pool a sharper member's near-0/1 outweighs it.

import { DEFAULT_ENSEMBLE_COMBINE, type EnsembleCombine } from '../../protocol';

/** The floor of a probability inside a log (a member sure of the wrong class must not give -Infinity). */
const P_FLOOR = 1e-15;
/** Log-likelihoods closer than this are a tie. */
const TIE = 1e-12;
export const WEIGHT_STEP = 0.05;

/** Temperatures of the log-linear pool are searched in [1/T_RANGE, T_RANGE]. */
const T_RANGE = 64;

/** How one ensemble pools: the method, the members' weights and (for 'logits') the temperature. */
export interface Pooling {
  combine: EnsembleCombine;
  weights: number[];
  /** The log-linear pool's temperature; 1 for 'probs'. */
  temperature: number;
}

type MemberRows = readonly (readonly (readonly number[])[])[];

/** Σ_m w_m · f(p_m), row by row (members with weight 0 skipped). */
function weightedSum(members: MemberRows, weights: readonly number[], f: (p: number) => number): number[][] {
  const n = members[0]?.length ?? 0;
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(members[0][i].length).fill(0);
    for (let m = 0; m < members.length; m++) {
      const w = weights[m];
      if (w === 0) continue;
      const p = members[m][i];
      for (let c = 0; c < row.length; c++) row[c] += w * f(p[c]);
    }
    out.push(row);
  }
  return out;
}

/** Σ_m w_m · p_m, row by row: the ensemble's probabilities from its members' (same rows, same classes). */
export function combineProbs(members: MemberRows, weights: readonly number[]): number[][] {
  return weightedSum(members, weights, (p) => p);
}

/** softmax(T · Σ_m w_m · log p_m), row by row: the log-linear pool of the members' probabilities. */
export function logLinearProbs(members: MemberRows, weights: readonly number[], temperature: number): number[][] {
  return pooledScores(members, weights).map((s) => softmax(s, temperature));
}

/** The ensemble's probabilities under a pooling (what predict and the ensemble's test predictions use). */
export function poolProbs(members: MemberRows, p: Pooling): number[][] {
  return p.combine === 'probs' ? combineProbs(members, p.weights) : logLinearProbs(members, p.weights, p.temperature);
}

/** Σ_m w_m · log p_m for each row (floored probabilities: a member sure of the wrong class stays finite). */
function pooledScores(members: MemberRows, weights: readonly number[]): number[][] {
  return weightedSum(members, weights, (p) => Math.log(Math.max(P_FLOOR, p)));
}

function softmax(s: readonly number[], t: number): number[] {
  let max = -Infinity;
  for (const x of s) max = Math.max(max, t * x);
  const e = s.map((x) => Math.exp(t * x - max));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

/**
 * Platt's smoothed targets (Platt 1999, as in Platt scaling): the true class gets (N_c + 1) / (N_c + 2), N_c the
 * examples of that class, the rest spread over the other classes. Fit against them, a validation set that the pool
 * separates perfectly gives a finite temperature, not the largest one searched.
 */
function smoothedTargets(labels: readonly number[], classes: number): number[][] {
  const count = new Array<number>(classes).fill(0);
  for (const y of labels) count[y]++;
  return labels.map((y) => {
    const hit = (count[y] + 1) / (count[y] + 2);
    return Array.from({ length: classes }, (_, c) => (c === y ? hit : (1 - hit) / (classes - 1)));
  });
}

/** Mean cross-entropy objective Σ_c q_c · log softmax(t · s)_c (higher is better): concave in t. */
function objectiveAt(scores: readonly (readonly number[])[], targets: readonly (readonly number[])[], t: number): number {
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    let max = -Infinity;
    for (const x of scores[i]) max = Math.max(max, t * x);
    let z = 0;
    for (const x of scores[i]) z += Math.exp(t * x - max);
    const logZ = max + Math.log(z);
    for (let c = 0; c < scores[i].length; c++) sum += targets[i][c] * (t * scores[i][c] - logZ);
  }
  return sum / scores.length;
}

/** The temperature of the highest objective: golden-section search on log t in [1/T_RANGE, T_RANGE]. */
function fitTemperature(scores: readonly (readonly number[])[], targets: readonly (readonly number[])[]): { t: number; objective: number } {
  const g = (Math.sqrt(5) - 1) / 2;
  const f = (logT: number) => objectiveAt(scores, targets, Math.exp(logT));
  let a = -Math.log(T_RANGE);
  let b = Math.log(T_RANGE);
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let k = 0; k < 60; k++) {
    if (fc >= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  const t = Math.exp((a + b) / 2);
  return { t, objective: objectiveAt(scores, targets, t) };
}

export interface WeightScore {
  /** Mean log-likelihood of the true labels (higher is better); its negative is the log loss. */
  logLik: number;
  accuracy: number;
}

function argmax(row: readonly number[]): number {
  let best = 0;
  for (let c = 1; c < row.length; c++) if (row[c] > row[best]) best = c;
  return best;
}

export function scoreWeights(members: readonly (readonly (readonly number[])[])[], labels: readonly number[], weights: readonly number[]): WeightScore {
  return validationScore(combineProbs(members, weights), labels);
}

/** Mean log-likelihood and accuracy of probability rows. */
function validationScore(probs: readonly (readonly number[])[], labels: readonly number[]): WeightScore {
  let ll = 0;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    ll += Math.log(Math.max(P_FLOOR, probs[i][labels[i]]));
    if (argmax(probs[i]) === labels[i]) correct++;
  }
  return { logLik: ll / labels.length, accuracy: correct / labels.length };
}

const distanceToEqual = (w: readonly number[]) => w.reduce((s, x) => s + (x - 1 / w.length) ** 2, 0);

/** Whether `a` beats `b`: log-likelihood, then accuracy, then nearer equal weights. */
function better(a: WeightScore & { w: number[] }, b: WeightScore & { w: number[] }): boolean {
  if (a.logLik > b.logLik + TIE) return true;
  if (a.logLik < b.logLik - TIE) return false;
  if (a.accuracy !== b.accuracy) return a.accuracy > b.accuracy;
  return distanceToEqual(a.w) < distanceToEqual(b.w) - 1e-15;
}

/** Every point of the simplex whose coordinates are multiples of 1/units (in a fixed order). */
function gridPoints(m: number, units: number): number[][] {
  const out: number[][] = [];
  const rec = (prefix: number[], left: number) => {
    if (prefix.length === m - 1) {
      out.push([...prefix, left].map((u) => u / units));
      return;
    }
    for (let u = left; u >= 0; u--) rec([...prefix, u], left - u);
  };
  rec([], units);
  return out;
}

export interface FittedWeights extends Pooling {
  method: string;
  validation: WeightScore;
}

/** The log-linear pool with weights w at its best temperature: the objective (as logLik, what the search compares) and accuracy. */
function scoreLogLinear(
  members: readonly (readonly (readonly number[])[])[],
  labels: readonly number[],
  targets: readonly (readonly number[])[],
  w: readonly number[],
) {
  const scores = pooledScores(members, w);
  const { t, objective } = fitTemperature(scores, targets);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (argmax(scores[i]) === labels[i]) correct++;
  return { logLik: objective, accuracy: correct / labels.length, t };
}

/**
 * Fits the weights on validation: members[m][i] is member m's probability row for validation example i, labels[i]
 * its label. Deterministic: the same inputs give the same weights.
 */
export function fitEnsembleWeights(
  members: readonly (readonly (readonly number[])[])[],
  labels: readonly number[],
  combine: EnsembleCombine = DEFAULT_ENSEMBLE_COMBINE,
): FittedWeights {
  const m = members.length;
  if (m < 2) throw new Error(`an ensemble needs two or more members (got ${m})`);
  if (labels.length === 0) throw new Error('no validation examples to fit the ensemble weights on; the members need a split with a validation set');
  for (const p of members) if (p.length !== labels.length) throw new Error(`a member has ${p.length} validation predictions for ${labels.length} examples`);
  const units = Math.round(1 / WEIGHT_STEP);
  const targets = combine === 'logits' ? smoothedTargets(labels, members[0][0].length) : [];
  const score = (w: number[]) =>
    combine === 'probs' ? { ...scoreWeights(members, labels, w), t: 1, w } : { ...scoreLogLinear(members, labels, targets, w), w };
  const pooled =
    combine === 'probs'
      ? 'weighted average of the probabilities'
      : 'weighted average of the log-probabilities with a temperature, through a softmax (temperature fit with the weights)';
  const result = (best: ReturnType<typeof score>, search: string): FittedWeights => {
    const pooling: Pooling = { combine, weights: best.w, temperature: best.t };
    return {
      ...pooling,
      method: `${pooled}; ${search}, maximizing the validation log-likelihood${combine === 'logits' ? " of Platt's smoothed targets" : ''}`,
      validation: validationScore(poolProbs(members, pooling), labels),
    };
  };
  if (m <= 3) {
    let best = score(new Array<number>(m).fill(1 / m));
    for (const w of gridPoints(m, units)) {
      const s = score(w);
      if (better(s, best)) best = s;
    }
    return result(best, `weights: grid over the simplex, step ${WEIGHT_STEP}`);
  }
  // Coordinate search: move one step of weight from one member to another while that improves the score.
  let best = score(new Array<number>(m).fill(1 / m));
  for (let round = 0; round < 10_000; round++) {
    let moved = false;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++) {
        if (i === j || best.w[j] < WEIGHT_STEP - 1e-12) continue;
        const w = [...best.w];
        w[i] += WEIGHT_STEP;
        w[j] = Math.max(0, w[j] - WEIGHT_STEP);
        const s = score(w);
        if (better(s, best)) {
          best = s;
          moved = true;
        }
      }
    if (!moved) break;
  }
  return result(best, `weights: coordinate search over the simplex from equal weights, moves of ${WEIGHT_STEP}`);
}
