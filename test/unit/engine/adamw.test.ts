// The WebAssembly SIMD AdamW kernel (optim/adamwSimd.ts) against the float64 JavaScript loop and a float64
// reference of torch.optim.AdamW's formula, over lengths that cross the kernel's chunk size and are not
// multiples of its 4 lanes (the tail lanes must neither be lost nor spill into the next chunk).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adamwUpdate } from '../../../src/engine/optim/adamw';
import { simdAvailable } from '../../../src/engine/optim/adamwSimd';
import { NormalRng } from '../../../src/engine/models';

function arrays(n: number, seed: number) {
  const r = new NormalRng(seed);
  const f = (s: number) => Float32Array.from({ length: n }, () => s * r.next());
  return { p: f(0.5), g: f(1e-2), m: f(1e-3), v: Float32Array.from(f(3e-3), (x) => x * x) };
}

test('WebAssembly SIMD is available on this Node (the fast path is the one the trainer runs)', () => {
  assert.equal(simdAvailable(), true);
});

for (const n of [1, 7, 32768, 32771, 70001]) {
  test(`SIMD AdamW equals the float64 loop and torch's formula (n = ${n}, 3 steps, scale 0.4, decay)`, () => {
    const a = arrays(n, n),
      b = arrays(n, n);
    const p0 = Float64Array.from(a.p),
      m0 = Float64Array.from(a.m),
      v0 = Float64Array.from(a.v);
    const h = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
    for (let step = 1; step <= 3; step++) {
      adamwUpdate(a.p, a.g, a.m, a.v, h, step, 0.4, true);
      adamwUpdate(b.p, b.g, b.m, b.v, h, step, 0.4, false);
      // float64 reference: torch's AdamW on the scaled gradient
      for (let i = 0; i < n; i++) {
        const g = 0.4 * a.g[i];
        p0[i] *= 1 - h.lr * h.weightDecay;
        m0[i] = h.beta1 * m0[i] + (1 - h.beta1) * g;
        v0[i] = h.beta2 * v0[i] + (1 - h.beta2) * g * g;
        p0[i] -= ((h.lr / (1 - h.beta1 ** step)) * m0[i]) / (Math.sqrt(v0[i]) / Math.sqrt(1 - h.beta2 ** step) + h.eps);
      }
    }
    let dp = 0,
      dRef = 0,
      dm = 0,
      dv = 0;
    for (let i = 0; i < n; i++) {
      dp = Math.max(dp, Math.abs(a.p[i] - b.p[i]));
      dRef = Math.max(dRef, Math.abs(a.p[i] - p0[i]));
      dm = Math.max(dm, Math.abs(a.m[i] - m0[i]) / (Math.abs(m0[i]) + 1e-6));
      dv = Math.max(dv, Math.abs(a.v[i] - v0[i]) / (Math.abs(v0[i]) + 1e-9));
    }
    // each step moves p by ~lr = 1e-3; float32 rounding of |p| <= ~2 is ~1.2e-7 per operation
    assert.ok(dp < 1e-6, `SIMD vs float64 loop: max |dp| ${dp}`);
    assert.ok(dRef < 1e-6, `SIMD vs float64 reference: max |dp| ${dRef}`);
    assert.ok(dm < 1e-4 && dv < 1e-4, `moments: max rel dm ${dm}, dv ${dv}`);
    // the update really happened everywhere, tail included
    assert.notEqual(a.p[n - 1], arrays(n, n).p[n - 1]);
  });
}
