// onnxruntime's float32 GEMM rate on the training step's matmul shapes (M x N x K of the linears, their input
// and weight gradients), for each way the graph can express them: Gemm with/without transposed operands and
// MatMul. Sessions are built first, then run interleaved; best of 4 timed runs per variant.
// Usage: node --import tsx bench/gemm_shapes.ts [--spin]   (--spin: onnxruntime's default spinning threads)
import * as ort from 'onnxruntime-node';
import { Graph } from '../src/engine/ir/graph';
import { serialize } from '../src/engine/onnx/writer';
import { sessionOptions } from '../src/engine/runtime/session';
const spin = process.argv.includes('--spin');
type V = { name: string; build: (g: Graph) => void; feeds: Record<string, number[]> };
function variants(M: number, N: number, K: number): V[] {
  return [
    {
      name: 'Gemm NN',
      feeds: { a: [M, K], b: [K, N] },
      build: (g) => g.output('y', g.gemm(g.input('a', 'float32', [M, K]), g.input('b', 'float32', [K, N]), null)),
    },
    {
      name: 'Gemm NT',
      feeds: { a: [M, K], b: [N, K] },
      build: (g) => g.output('y', g.gemm(g.input('a', 'float32', [M, K]), g.input('b', 'float32', [N, K]), null, { transB: true })),
    },
    {
      name: 'Gemm TN',
      feeds: { a: [K, M], b: [K, N] },
      build: (g) => g.output('y', g.gemm(g.input('a', 'float32', [K, M]), g.input('b', 'float32', [K, N]), null, { transA: true })),
    },
    {
      name: 'MatMul NN',
      feeds: { a: [M, K], b: [K, N] },
      build: (g) => g.output('y', g.matmul(g.input('a', 'float32', [M, K]), g.input('b', 'float32', [K, N]))),
    },
  ];
}
const shapes = [
  [2048, 768, 3072],
  [2048, 3072, 768],
  [768, 768, 2048],
  [3072, 768, 2048],
  [2048, 768, 768],
  [2048, 2048, 2048],
];
(async () => {
  const sessions: { label: string; s: ort.InferenceSession; f: Record<string, ort.Tensor>; fl: number; best: number }[] = [];
  for (const [M, N, K] of shapes)
    for (const v of variants(M, N, K)) {
      const g = new Graph();
      v.build(g);
      const so = sessionOptions({ threads: 2 });
      if (spin) (so as any).extra = {};
      const s = await ort.InferenceSession.create(serialize(g).bytes, so);
      const f: Record<string, ort.Tensor> = {};
      for (const [k, d] of Object.entries(v.feeds))
        f[k] = new ort.Tensor(
          'float32',
          Float32Array.from({ length: d[0] * d[1] }, () => Math.random() - 0.5),
          d,
        );
      sessions.push({ label: `${M}x${N}x${K} ${v.name}`, s, f, fl: 2 * M * N * K, best: Infinity });
    }
  for (let r = 0; r < 5; r++)
    for (const x of sessions) {
      const t = performance.now();
      await x.s.run(x.f);
      const dt = performance.now() - t;
      if (r > 0) x.best = Math.min(x.best, dt);
    }
  for (const x of sessions) console.log(x.label.padEnd(28), (x.fl / x.best / 1e6).toFixed(1), 'GF/s', x.best.toFixed(1), 'ms');
})();
