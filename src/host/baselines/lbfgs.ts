// Limited-memory BFGS (two-loop recursion) with a backtracking Armijo line search: minimises a smooth convex
// objective such as L2-regularised logistic regression to convergence, like scikit-learn's lbfgs solver.

export type SyncObjective = (x: Float64Array) => { loss: number; grad: Float64Array };
export type Objective = (x: Float64Array) => ReturnType<SyncObjective> | Promise<ReturnType<SyncObjective>>;

export interface LbfgsOptions {
  maxIter?: number;
  /** Stop when max |grad| <= tol (scikit-learn's lbfgs uses the same criterion with tol=1e-4). */
  tol?: number;
  memory?: number;
  /** Also stop when an iteration lowers the loss by less than ftol relative (scipy's factr * eps). */
  ftol?: number;
  /** Called after each iteration; awaited, so a caller can yield to its event loop (to see a cancel) or throw. */
  onIter?: (iter: number, loss: number, gradMax: number, step: number) => void | Promise<void>;
}

export interface LbfgsResult {
  x: Float64Array;
  loss: number;
  iterations: number;
  converged: boolean;
  gradMax: number;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

export async function lbfgs(f: Objective, x0: Float64Array, opts: LbfgsOptions = {}): Promise<LbfgsResult> {
  const maxIter = opts.maxIter ?? 500;
  const tol = opts.tol ?? 1e-4;
  const m = opts.memory ?? 10;
  const ftol = opts.ftol ?? 1e-13;
  let flat = false;
  const n = x0.length;
  const x = Float64Array.from(x0);
  let { loss, grad } = await f(x);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  let iter = 0;
  let gmax = maxAbs(grad);
  while (iter < maxIter && gmax > tol) {
    // Two-loop recursion: d = -H grad (typed arrays hoisted out of the inner loops: n is 100,000s at scale).
    const q = Float64Array.from(grad);
    const alpha = new Array<number>(S.length);
    for (let i = S.length - 1; i >= 0; i--) {
      const Yi = Y[i];
      const a = rho[i] * dot(S[i], q);
      alpha[i] = a;
      for (let j = 0; j < n; j++) q[j] -= a * Yi[j];
    }
    const gamma = S.length ? dot(S[S.length - 1], Y[Y.length - 1]) / dot(Y[Y.length - 1], Y[Y.length - 1]) : 1 / Math.max(1, Math.sqrt(dot(grad, grad)));
    for (let j = 0; j < n; j++) q[j] *= gamma;
    for (let i = 0; i < S.length; i++) {
      const Si = S[i];
      const beta = rho[i] * dot(Y[i], q);
      const c = alpha[i] - beta;
      for (let j = 0; j < n; j++) q[j] += Si[j] * c;
    }
    for (let j = 0; j < n; j++) q[j] = -q[j];
    let slope = dot(grad, q);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      S.length = Y.length = rho.length = 0;
      for (let j = 0; j < n; j++) q[j] = -grad[j] / Math.max(1, Math.sqrt(dot(grad, grad)));
      slope = dot(grad, q);
    }
    let step = 1;
    let next: { loss: number; grad: Float64Array } | null = null;
    const xn = new Float64Array(n);
    for (let tries = 0; tries < 40; tries++) {
      for (let j = 0; j < n; j++) xn[j] = x[j] + step * q[j];
      const r = await f(xn);
      if (Number.isFinite(r.loss) && r.loss <= loss + 1e-4 * step * slope) {
        next = r;
        break;
      }
      step *= 0.5;
    }
    if (!next) break; // no decrease possible at machine precision: we are at the minimum
    // The pair's arrays: the one about to be dropped from the memory is reused.
    const full = S.length >= m;
    const s = full ? S[0] : new Float64Array(n);
    const y = full ? Y[0] : new Float64Array(n);
    const ng = next.grad;
    for (let j = 0; j < n; j++) {
      s[j] = xn[j] - x[j];
      y[j] = ng[j] - grad[j];
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      if (full) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    } else if (full) {
      // The oldest pair's arrays were overwritten above: drop it.
      S.shift();
      Y.shift();
      rho.shift();
    }
    x.set(xn);
    flat = loss - next.loss <= ftol * Math.max(Math.abs(loss), Math.abs(next.loss), 1);
    loss = next.loss;
    grad = next.grad;
    gmax = maxAbs(grad);
    iter++;
    await opts.onIter?.(iter, loss, gmax, step);
    if (flat) break;
  }
  return { x, loss, iterations: iter, converged: gmax <= tol || flat, gradMax: gmax };
}
