// L2-regularised logistic regression with scikit-learn's objective, so C means the same thing:
//   binary:      C * sum_i log(1 + exp(-y_i (w.x_i + b))) + 0.5 * |w|^2          (one weight vector)
//   K classes:   C * sum_i -log softmax(W x_i + b)[y_i] + 0.5 * |W|_F^2         (multinomial)
// The intercept is not penalised. Parameters are packed as [W (k rows of F), b (k)], k = 1 or K.
// The objective and gradient come from an Objective function: the sparse CPU one below, or one built on the
// engine's graph (./engineObjective.ts); both are minimised with L-BFGS.
import type { Csr } from './tfidf';
import { lbfgs, type LbfgsOptions, type Objective, type SyncObjective } from './lbfgs';

export interface LogRegModel {
  numClasses: number;
  numFeatures: number;
  /** k x F, row-major; k = 1 for binary (the weight vector of class 1), else K. */
  weights: Float64Array;
  bias: Float64Array;
}

export interface LogRegFit extends LogRegModel {
  iterations: number;
  converged: boolean;
  loss: number;
}

export function numRows(numClasses: number): number {
  return numClasses === 2 ? 1 : numClasses;
}

/** Scores W x + b for every row: rows x k. */
function scores(x: Csr, w: Float64Array, b: Float64Array, k: number): Float64Array {
  const F = x.cols;
  const out = new Float64Array(x.rows * k);
  for (let i = 0; i < x.rows; i++) {
    for (let c = 0; c < k; c++) {
      let s = b[c];
      const off = c * F;
      for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) s += w[off + x.indices[p]] * x.values[p];
      out[i * k + c] = s;
    }
  }
  return out;
}

function log1pExp(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** The sparse CPU objective (reference implementation). */
export function sparseObjective(x: Csr, labels: ArrayLike<number>, numClasses: number, C: number): SyncObjective {
  const k = numRows(numClasses);
  const F = x.cols;
  return (theta) => {
    const w = theta.subarray(0, k * F);
    const b = theta.subarray(k * F);
    const z = scores(x, w, b, k);
    const grad = new Float64Array(theta.length);
    let loss = 0;
    // dz[i, c] = d loss / d score
    const dz = new Float64Array(x.rows * k);
    for (let i = 0; i < x.rows; i++) {
      if (k === 1) {
        const y = labels[i] === 1 ? 1 : -1;
        const m = y * z[i];
        loss += log1pExp(-m);
        dz[i] = (-y / (1 + Math.exp(m))) * C;
      } else {
        let mx = -Infinity;
        for (let c = 0; c < k; c++) mx = Math.max(mx, z[i * k + c]);
        let se = 0;
        for (let c = 0; c < k; c++) se += Math.exp(z[i * k + c] - mx);
        const lse = mx + Math.log(se);
        loss += lse - z[i * k + labels[i]];
        for (let c = 0; c < k; c++) dz[i * k + c] = (Math.exp(z[i * k + c] - lse) - (c === labels[i] ? 1 : 0)) * C;
      }
    }
    loss *= C;
    for (let i = 0; i < x.rows; i++) {
      for (let c = 0; c < k; c++) {
        const d = dz[i * k + c];
        if (d === 0) continue;
        const off = c * F;
        for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) grad[off + x.indices[p]] += d * x.values[p];
        grad[k * F + c] += d;
      }
    }
    let reg = 0;
    for (let j = 0; j < k * F; j++) {
      reg += w[j] * w[j];
      grad[j] += w[j];
    }
    return { loss: loss + 0.5 * reg, grad };
  };
}

export async function fitLogReg(
  x: Csr,
  labels: ArrayLike<number>,
  numClasses: number,
  opts: { C?: number; objective?: Objective } & LbfgsOptions = {},
): Promise<LogRegFit> {
  if (x.rows !== labels.length) throw new Error(`logistic regression: ${x.rows} rows but ${labels.length} labels`);
  const C = opts.C ?? 1;
  const k = numRows(numClasses);
  const f = opts.objective ?? sparseObjective(x, labels, numClasses, C);
  const r = await lbfgs(f, new Float64Array(k * x.cols + k), opts);
  return {
    numClasses,
    numFeatures: x.cols,
    weights: r.x.slice(0, k * x.cols),
    bias: r.x.slice(k * x.cols),
    iterations: r.iterations,
    converged: r.converged,
    loss: r.loss,
  };
}

/** Class probabilities, rows x numClasses. */
export function predictProba(model: LogRegModel, x: Csr): number[][] {
  if (x.cols !== model.numFeatures) throw new Error(`logistic regression: ${x.cols} features but the model has ${model.numFeatures}`);
  const k = numRows(model.numClasses);
  const z = scores(x, model.weights, model.bias, k);
  const out: number[][] = [];
  for (let i = 0; i < x.rows; i++) {
    if (k === 1) {
      const p1 = 1 / (1 + Math.exp(-z[i]));
      out.push([1 - p1, p1]);
    } else {
      const row = Array.from(z.subarray(i * k, i * k + k));
      const mx = Math.max(...row);
      const e = row.map((v) => Math.exp(v - mx));
      const s = e.reduce((a, v) => a + v, 0);
      out.push(e.map((v) => v / s));
    }
  }
  return out;
}
