// Weights of an ensemble's members, fit on validation predictions only: a deterministic search over the simplex
// (every point of a 0.05 grid for up to 3 members; beyond, coordinate moves of 0.05 between pairs of members from
// equal weights) maximizing the validation log-likelihood; ties go to the higher validation accuracy, then to the
// weights nearest equal ones. The ensemble's probability is the weighted average of its members'.

/** The floor of a probability inside a log (a member sure of the wrong class must not give -Infinity). */
const P_FLOOR = 1e-15;
/** Log-likelihoods closer than this are a tie. */
const TIE = 1e-12;
export const WEIGHT_STEP = 0.05;

/** Σ_m w_m · p_m, row by row: the ensemble's probabilities from its members' (same rows, same classes). */
export function combineProbs(members: readonly (readonly (readonly number[])[])[], weights: readonly number[]): number[][] {
  const n = members[0]?.length ?? 0;
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(members[0][i].length).fill(0);
    for (let m = 0; m < members.length; m++) {
      const w = weights[m];
      if (w === 0) continue;
      const p = members[m][i];
      for (let c = 0; c < row.length; c++) row[c] += w * p[c];
    }
    out.push(row);
  }
  return out;
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
  const probs = combineProbs(members, weights);
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

export interface FittedWeights {
  weights: number[];
  method: string;
  validation: WeightScore;
}

/**
 * Fits the weights on validation: members[m][i] is member m's probability row for validation example i, labels[i]
 * its label. Deterministic: the same inputs give the same weights.
 */
export function fitEnsembleWeights(members: readonly (readonly (readonly number[])[])[], labels: readonly number[]): FittedWeights {
  const m = members.length;
  if (m < 2) throw new Error(`an ensemble needs two or more members (got ${m})`);
  if (labels.length === 0) throw new Error('no validation examples to fit the ensemble weights on; the members need a split with a validation set');
  for (const p of members) if (p.length !== labels.length) throw new Error(`a member has ${p.length} validation predictions for ${labels.length} examples`);
  const units = Math.round(1 / WEIGHT_STEP);
  const score = (w: number[]) => ({ ...scoreWeights(members, labels, w), w });
  if (m <= 3) {
    let best = score(new Array<number>(m).fill(1 / m));
    for (const w of gridPoints(m, units)) {
      const s = score(w);
      if (better(s, best)) best = s;
    }
    return { weights: best.w, method: `grid over the simplex, step ${WEIGHT_STEP}, maximizing validation log-likelihood`, validation: pick(best) };
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
  return {
    weights: best.w,
    method: `coordinate search over the simplex from equal weights, moves of ${WEIGHT_STEP}, maximizing validation log-likelihood`,
    validation: pick(best),
  };
}

const pick = (s: WeightScore): WeightScore => ({ logLik: s.logLik, accuracy: s.accuracy });
