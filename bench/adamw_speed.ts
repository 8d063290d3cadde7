// AdamW over one DistilBERT-size parameter set (66M float32 in tensors of the model's sizes): the WebAssembly
// SIMD kernel vs the float64 JavaScript loop, interleaved, wall and CPU time per pass.
// Usage: node --import tsx bench/adamw_speed.ts [--millions 66] [--rounds 3]
import { adamwUpdate } from '../src/engine/optim/adamw';

const args = process.argv.slice(2);
const opt = (k: string, d: number) => (args.includes(`--${k}`) ? Number(args[args.indexOf(`--${k}`) + 1]) : d);
const total = opt('millions', 66) * 1e6,
  rounds = opt('rounds', 3);
const sizes: number[] = [];
for (let left = total; left > 0;) {
  const n = Math.min(left, 768 * 3072);
  sizes.push(n);
  left -= n;
}
const mk = (n: number, s: number) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = s * (((i * 2654435761) % 1000) / 1000 - 0.5);
  return a;
};
const ts = sizes.map((n) => ({ p: mk(n, 1), g: mk(n, 1e-2), m: mk(n, 1e-3), v: mk(n, 0).fill(1e-6) }));
const h = { lr: 2e-5, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
for (let r = 0; r < rounds; r++) {
  for (const simd of [false, true]) {
    const c = process.cpuUsage(),
      t = performance.now();
    for (const x of ts) adamwUpdate(x.p, x.g, x.m, x.v, h, r + 1, 0.5, simd);
    const dc = process.cpuUsage(c);
    console.log(
      `${simd ? 'simd' : 'js  '} ${(performance.now() - t).toFixed(0)} ms wall, ${((dc.user + dc.system) / 1e3).toFixed(0)} ms CPU, ${(((dc.user + dc.system) * 1e3) / total).toFixed(2)} ns/element`,
    );
  }
}
