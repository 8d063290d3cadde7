// AdamW exactly as torch.optim.AdamW (amsgrad=False, maximize=False): decoupled weight decay p *= 1 - lr*wd,
// then bias-corrected Adam. Runs in place on the Float32Arrays that the runtime feeds as inputs: on float32 SIMD
// lanes in WebAssembly (adamwSimd.ts) where available, else in the JavaScript loop below.
import { adamwSimd } from './adamwSimd';
export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

let simdDefault = true;
/** Benchmarks only: turn the SIMD kernel off (true) to time the JavaScript loop in the same process. */
export function useJsAdamW(js: boolean): void {
  simdDefault = !js;
}

/**
 * One update of one parameter tensor; `step` is the 1-based update count (torch's state['step'] after += 1).
 * `gradScale` multiplies the gradient on the fly (gradient averaging and clipping without an extra pass).
 */
export function adamwUpdate(
  p: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  h: AdamWHyper,
  step: number,
  gradScale = 1,
  simd = simdDefault,
): void {
  const { lr, beta1, beta2, eps } = h;
  const decay = 1 - lr * h.weightDecay;
  const stepSize = lr / (1 - beta1 ** step);
  const invBc2sqrt = 1 / Math.sqrt(1 - beta2 ** step);
  // the gradient scale is folded into the moment coefficients (same values up to float rounding, one
  // multiply fewer per element; this loop is about 2x faster than scaling each gradient first)
  const b1c = (1 - beta1) * gradScale,
    b2c = (1 - beta2) * gradScale * gradScale;
  if (simd && adamwSimd(p, grad, m, v, { beta1, b1c, beta2, b2c, decay, stepSize, invBc2sqrt, eps })) return;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = grad[i];
    const mi = beta1 * m[i] + b1c * gi;
    const vi = beta2 * v[i] + b2c * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * decay - (stepSize * mi) / (Math.sqrt(vi) * invBc2sqrt + eps);
  }
}

/**
 * torch.nn.utils.clip_grad_norm_(params, maxNorm): returns the total L2 norm before clipping and scales the
 * gradients in place by min(1, maxNorm / (norm + 1e-6)). maxNorm <= 0 only measures.
 */
export function clipGradNorm(grads: Iterable<Float32Array>, maxNorm: number): number {
  const list = [...grads];
  const norm = Math.sqrt(list.reduce((s, g) => s + sumSquares(g), 0));
  const coef = clipCoef(norm, maxNorm);
  if (coef < 1) for (const g of list) for (let i = 0; i < g.length; i++) g[i] *= coef;
  return norm;
}

/** torch's clamped clip coefficient: min(1, maxNorm / (norm + 1e-6)); 1 when clipping is off. */
export const clipCoef = (norm: number, maxNorm: number): number => (maxNorm > 0 ? Math.min(1, maxNorm / (norm + 1e-6)) : 1);

export function sumSquares(g: Float32Array, from = 0, to = g.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += g[i] * g[i];
  return s;
}
