// Finite-difference check of every gradient rule (central differences; float64 where onnxruntime has double
// kernels, float32 with a looser tolerance where it has not), including broadcasting and duplicate-id gather.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, Program, grad, gradientRules, resolveShape, type Dim, type DType, type GraphOptions, type Tensor } from '../../../src/engine';
import { geluLean } from '../../../src/engine/models/common';

let seed = 12345;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;

interface In {
  shape: number[];
  dims?: Dim[];
  lo?: number;
  hi?: number;
  awayFromZero?: number;
}
const covered = new Set<string>();
const make = (dtype: DType, n: number, f: () => number) => (dtype === 'float64' ? Float64Array.from({ length: n }, f) : Float32Array.from({ length: n }, f));

async function check(name: string, ins: In[], build: (g: Graph, xs: Tensor[]) => Tensor, dtype: DType = 'float64', opts: GraphOptions = {}): Promise<void> {
  const g = new Graph(opts);
  const xs = ins.map((s, i) => g.input(`x${i}`, dtype, s.dims ?? s.shape));
  const y = build(g, xs);
  const r = g.input('r', y.dtype, [...y.shape]);
  const loss0 = y.shape.length
    ? g.reduceSum(
        g.mul(y, r),
        y.shape.map((_, i) => i),
      )
    : g.mul(y, r);
  g.output('loss', loss0);
  grad(g, loss0, xs).forEach((d, i) => g.output(`d${i}`, d));
  for (const n of g.nodes) covered.add(n.op);
  const p = await Program.compile(g, { threads: 1 });
  const vals = ins.map((s) =>
    make(
      dtype,
      s.shape.reduce((a, b) => a * b, 1),
      () => {
        let v = (s.lo ?? -2) + rand() * ((s.hi ?? 2) - (s.lo ?? -2));
        if (s.awayFromZero && Math.abs(v) < s.awayFromZero) v += v < 0 ? -s.awayFromZero : s.awayFromZero;
        return v;
      },
    ),
  );
  const feeds: Record<string, { data: Float64Array | Float32Array; dims: number[] }> = {};
  ins.forEach((s, i) => (feeds[`x${i}`] = { data: vals[i], dims: s.shape }));
  const env: Record<string, number> = {};
  ins.forEach((s) =>
    (s.dims ?? []).forEach((d, j) => {
      if (typeof d === 'string') env[d] = s.shape[j];
    }),
  );
  const yShape = resolveShape(y.shape, env);
  feeds.r = {
    data: make(
      y.dtype,
      yShape.reduce((a, b) => a * b, 1),
      () => rand() * 2 - 1,
    ),
    dims: yShape,
  };
  const out = await p.run(feeds);
  const eps = dtype === 'float64' ? 1e-6 : 1e-2;
  const [atol, rtol] = dtype === 'float64' ? [1e-7, 1e-5] : [2e-3, 2e-2];
  for (let i = 0; i < ins.length; i++) {
    const analytic = out[`d${i}`].data as Float64Array;
    assert.deepEqual([...out[`d${i}`].dims], ins[i].shape, `${name}: gradient shape of input ${i}`);
    for (let j = 0; j < vals[i].length; j++) {
      const v = vals[i][j];
      vals[i][j] = v + eps;
      const lp = Number((await p.run(feeds, ['loss'])).loss.data[0]);
      vals[i][j] = v - eps;
      const lm = Number((await p.run(feeds, ['loss'])).loss.data[0]);
      vals[i][j] = v;
      const num = (lp - lm) / (2 * eps);
      assert.ok(Math.abs(analytic[j] - num) <= atol + rtol * Math.abs(num), `${name}: d/dx${i}[${j}] analytic ${analytic[j]} vs numeric ${num}`);
    }
  }
  await p.dispose();
}

const pos = { lo: 0.5, hi: 2 };

test('elementwise rules, with broadcasting', async () => {
  await check('add', [{ shape: [2, 3] }, { shape: [3] }], (g, [a, b]) => g.add(a, b));
  await check('add bcast both', [{ shape: [2, 1, 3] }, { shape: [4, 1] }], (g, [a, b]) => g.add(a, b));
  await check('sub', [{ shape: [2, 1] }, { shape: [2, 3] }], (g, [a, b]) => g.sub(a, b));
  await check('mul', [{ shape: [2, 3] }, { shape: [2, 1] }], (g, [a, b]) => g.mul(a, b));
  await check('div', [{ shape: [2, 3] }, { shape: [1, 3], ...pos }], (g, [a, b]) => g.div(a, b));
  await check('neg', [{ shape: [5] }], (g, [a]) => g.neg(a));
  await check('exp', [{ shape: [2, 2] }], (g, [a]) => g.exp(a));
  await check('log', [{ shape: [4], ...pos }], (g, [a]) => g.log(a));
  await check('sqrt', [{ shape: [4], ...pos }], (g, [a]) => g.sqrt(a));
  await check('tanh', [{ shape: [4] }], (g, [a]) => g.tanh(a));
  await check('erf', [{ shape: [6] }], (g, [a]) => g.erf(a), 'float32');
  await check('relu', [{ shape: [6], awayFromZero: 0.1 }], (g, [a]) => g.relu(a));
  await check('sigmoid', [{ shape: [4] }], (g, [a]) => g.sigmoid(a));
  await check('pow 3', [{ shape: [4] }], (g, [a]) => g.pow(a, 3));
  await check('pow 2', [{ shape: [4] }], (g, [a]) => g.pow(a, 2));
  await check('pow 0.5', [{ shape: [4], ...pos }], (g, [a]) => g.pow(a, 0.5));
  await check('where', [{ shape: [2, 3] }, { shape: [3] }], (g, [a, b]) => g.where(g.constant([1, 0, 1, 0, 0, 1], 'bool', [2, 3]), a, b));
  await check('cast', [{ shape: [3] }], (g, [a]) => g.mul(g.cast(a, 'float64'), g.cast(a, 'float64')), 'float32');
});

test('matmul and gemm rules', async () => {
  await check('matmul 2d', [{ shape: [2, 3] }, { shape: [3, 4] }], (g, [a, b]) => g.matmul(a, b));
  await check('matmul 3d x weight', [{ shape: [2, 3, 4] }, { shape: [4, 2] }], (g, [a, b]) => g.matmul(a, b));
  await check('matmul batch bcast', [{ shape: [2, 3, 4] }, { shape: [1, 4, 2] }], (g, [a, b]) => g.matmul(a, b));
  await check('matmul 4d', [{ shape: [2, 2, 3, 2] }, { shape: [2, 2, 2, 3] }], (g, [a, b]) => g.matmul(a, b));
  for (const transA of [false, true])
    for (const transB of [false, true]) {
      await check(
        `gemm tA=${transA} tB=${transB}`,
        [{ shape: transA ? [4, 3] : [3, 4] }, { shape: transB ? [2, 4] : [4, 2] }, { shape: [2] }],
        (g, [a, b, c]) => g.gemm(a, b, c, { transA, transB }),
      );
    }
  await check('gemm full bias', [{ shape: [3, 4] }, { shape: [4, 2] }, { shape: [3, 2] }], (g, [a, b, c]) => g.gemm(a, b, c));
  await check('linear 3d (composite)', [{ shape: [2, 3, 4] }, { shape: [5, 4] }, { shape: [5] }], (g, [x, w, b]) => g.linear(x, w, b));
});

test('shape op rules', async () => {
  await check('transpose', [{ shape: [2, 3, 4] }], (g, [a]) => g.transpose(a, [2, 0, 1]));
  await check('reshape', [{ shape: [2, 3, 4] }], (g, [a]) => g.reshape(a, [6, -1]));
  await check('reshape symbolic', [{ shape: [2, 3, 4], dims: ['b', 's', 4] }], (g, [a]) => g.reshape(g.reshape(a, [-1, 2, 2]), [0, 4]));
  await check('unsqueeze/squeeze', [{ shape: [2, 3] }], (g, [a]) => g.squeeze(g.mul(g.unsqueeze(a, [0, 2]), g.unsqueeze(a, [0, 2])), [0]));
  await check('concat', [{ shape: [2, 2] }, { shape: [2, 3] }], (g, [a, b]) => g.concat([a, b, a], 1));
  await check('slice', [{ shape: [4, 5] }], (g, [a]) => g.slice(a, [1, 0], [3, -1], [0, 1]));
  await check('slice symbolic', [{ shape: [2, 5, 3], dims: ['b', 's', 3] }], (g, [a]) => g.slice(a, [0, 1], [1, 2 ** 62], [1, 2]));
  // parts 0 and 2 used, part 1 not (its gradient is zeros)
  await check('split', [{ shape: [5, 3] }], (g, [a]) => {
    const [p, , r] = g.split(a, [1, 3, 1], 0);
    return g.concat([g.mul(p, p), r], 1);
  });
  await check('expand', [{ shape: [3, 1] }], (g, [a]) => g.expand(a, [2, 3, 4]));
  await check('expand symbolic', [{ shape: [2, 1], dims: ['b', 1] }], (g, [a]) => g.expand(a, ['b', 3]));
});

test('gather rule accumulates duplicate ids', async () => {
  const ids = [1, 1, 3, 1, 0, 1];
  await check('gather axis 0 duplicates', [{ shape: [4, 3] }], (g, [e]) => g.gather(e, g.constant(BigInt64Array.from(ids.map(BigInt)), 'int64', [2, 3]), 0));
  await check('gather axis 1', [{ shape: [2, 4, 2] }], (g, [e]) => g.gather(e, g.constant(BigInt64Array.from([3n, 0n, 3n]), 'int64', [3]), 1));
  await check('gather scalar index, symbolic (CLS token)', [{ shape: [2, 3, 2], dims: ['b', 's', 2] }], (g, [h]) => g.gather(h, g.scalar(0, 'int64'), 1));
  // the exact accumulated gradient for loss = sum(gather(E, ids)): row i gets count(i) ones
  const g = new Graph();
  const e = g.param('e', [4, 2], { dtype: 'float64' });
  const idx = g.input('ids', 'int64', ['n']);
  const [d] = grad(g, g.reduceSum(g.gather(e, idx), [0, 1]), [e]);
  g.output('d', d);
  const p = await Program.compile(g, { threads: 2 });
  const many = BigInt64Array.from({ length: 4000 }, (_, i) => BigInt(i % 7 === 0 ? 2 : 1));
  const r = await p.run({ e: { data: new Float64Array(8), dims: [4, 2] }, ids: { data: many, dims: [4000] } });
  const twos = many.filter((v) => v === 2n).length;
  assert.deepEqual([...(r.d.data as Float64Array)], [0, 0, 4000 - twos, 4000 - twos, twos, twos, 0, 0]);
});

test('reduction, softmax and layerNorm rules', async () => {
  await check('reduceSum', [{ shape: [2, 3, 2] }], (g, [a]) => g.reduceSum(a, [1]));
  await check('reduceSum keepdims', [{ shape: [2, 3, 2] }], (g, [a]) => g.reduceSum(a, [0, 2], true));
  await check('reduceMean', [{ shape: [2, 3, 2] }], (g, [a]) => g.reduceMean(a, [-1]));
  await check('reduceMean symbolic', [{ shape: [2, 3], dims: ['b', 's'] }], (g, [a]) => g.reduceMean(a, [1], true));
  await check('reduceMax', [{ shape: [3, 4] }], (g, [a]) => g.reduceMax(a, [1]));
  await check('softmax', [{ shape: [2, 4] }], (g, [a]) => g.softmax(a, 1));
  await check('logSoftmax', [{ shape: [3, 2] }], (g, [a]) => g.logSoftmax(a, 0));
  await check('layerNorm', [{ shape: [2, 3, 5] }, { shape: [5] }, { shape: [5] }], (g, [x, s, b]) => g.layerNorm(x, s, b, 1e-5), 'float32'); // no double kernel in onnxruntime
});

test('composites: gelu, geluTanh, cross-entropy, several consumers', async () => {
  await check('gelu', [{ shape: [6] }], (g, [a]) => g.gelu(a), 'float32');
  // the models' GELU: custom backward (Graph.customGrad), tails included where e^(-t^2) underflows
  await check('geluLean (custom backward)', [{ shape: [24], lo: -5, hi: 5 }], (g, [a]) => geluLean(g, a), 'float32');
  await check('geluLean of a used intermediate', [{ shape: [2, 3] }], (g, [a]) => g.mul(geluLean(g, g.mul(a, a)), a), 'float32');
  await check('geluTanh', [{ shape: [6] }], (g, [a]) => g.geluTanh(a));
  const labels = (g: Graph) => g.constant(BigInt64Array.from([2n, 0n, 2n]), 'int64', [3]);
  await check('cross-entropy', [{ shape: [3, 4] }], (g, [z]) => g.softmaxCrossEntropy(z, labels(g)));
  await check('cross-entropy weighted', [{ shape: [3, 4] }], (g, [z]) => g.softmaxCrossEntropy(z, labels(g), g.constant([1, 2, 0.5, 3], 'float64', [4])));
  await check('several consumers sum', [{ shape: [3] }], (g, [x]) => g.add(g.mul(x, x), g.exp(x)));
});

test('dropout: keep-mask input, inverted scaling, identity in eval', async () => {
  const g = new Graph({ training: true });
  const x = g.param('x', [4], { dtype: 'float64' });
  const y = g.dropout(x, 0.25);
  assert.equal(g.dropoutSites.length, 1);
  const [dx] = grad(g, g.reduceSum(y, [0]), [x]);
  g.output('y', y);
  g.output('dx', dx);
  const p = await Program.compile(g);
  const r = await p.run({ x: { data: Float64Array.from([1, 2, 3, 4]), dims: [4] }, dropout_mask_0: { data: Uint8Array.from([1, 0, 1, 1]), dims: [4] } });
  assert.deepEqual([...(r.y.data as Float64Array)], [4 / 3, 0, 4, 16 / 3]);
  assert.deepEqual([...(r.dx.data as Float64Array)], [4 / 3, 0, 4 / 3, 4 / 3]);
  const e = new Graph({ training: false });
  const xe = e.param('x', [4]);
  assert.equal(e.dropout(xe, 0.25), xe);
});

test('Graph.deviceOps forms: LayerNorm and SkipLayerNormalization backward, gradient sums folded into Gemms, transposes that cancel', async () => {
  const dev: GraphOptions = { deviceOps: true };
  await check('layerNorm deviceOps', [{ shape: [2, 3, 5] }, { shape: [5] }, { shape: [5] }], (g, [x, s, b]) => g.layerNorm(x, s, b, 1e-5), 'float32', dev);
  await check(
    'skipLayerNorm deviceOps',
    [{ shape: [2, 3, 5] }, { shape: [2, 3, 5] }, { shape: [5] }, { shape: [5] }],
    (g, [x, r, s, b]) => g.skipLayerNorm(x, r, s, b, 1e-5),
    'float32',
    dev,
  );
  // x feeds two linears and a residual: its gradient is a chain of Gemms with C inputs
  await check(
    'linear x3 sum deviceOps',
    [{ shape: [2, 3, 4] }, { shape: [4, 4] }, { shape: [4] }, { shape: [4, 4] }],
    (g, [x, w, b, w2]) => g.add(g.add(g.linear(x, w, b), g.linear(x, w2)), x),
    'float64',
    dev,
  );
  await check(
    'transpose of transpose / of matmul deviceOps',
    [{ shape: [2, 3, 4] }, { shape: [2, 5, 4] }],
    (g, [a, b]) => g.transpose(g.matmul(a, g.transpose(b, [0, 2, 1])), [0, 2, 1]),
    'float64',
    dev,
  );
  for (const weighted of [false, true]) {
    await check(
      `softmaxCrossEntropy deviceOps${weighted ? ' class weights' : ''}`,
      [{ shape: [3, 4] }],
      (g, [x]) => g.softmaxCrossEntropy(x, g.constant([1, 0, 3], 'float64', [3]), weighted ? g.constant([0.5, 2, 1, 3], 'float64', [4]) : undefined),
      'float64',
      dev,
    );
  }
  await check(
    'joint (Concat fallback) deviceOps',
    [{ shape: [2, 3] }, { shape: [1, 3] }],
    (g, [a, b]) => g.mul(g.joint(['a', 'b'], [a, b]), g.joint(['a', 'b'], [a, b])),
    'float64',
    dev,
  );
});

test('deviceOps rewrites: no Add next to a Gemm in a gradient sum, Transpose pairs gone', () => {
  const g = new Graph({ deviceOps: true });
  const x = g.input('x', 'float32', ['b', 4]);
  const w = g.param('w', [4, 4]);
  const w2 = g.param('w2', [4, 4]);
  const [dx] = grad(g, g.reduceSum(g.add(g.add(g.linear(x, w), g.linear(x, w2)), x), [0, 1]), [x]);
  g.output('dx', dx);
  const p = g.producer.get(dx.id)!;
  assert.equal(p.op, 'Gemm', 'the gradient of x is a Gemm');
  assert.equal(p.inputs.length, 3, 'with the other contributions as its C input');
  const a = g.input('a', 'float32', [2, 3]);
  assert.equal(g.transpose(g.transpose(a, [1, 0]), [1, 0]), a);
});

test('every gradient rule was exercised by a check above', () => {
  const missing = Object.keys(gradientRules).filter((op) => !covered.has(op));
  assert.deepEqual(missing, []);
});

test('integer paths carry no gradient; unused wrt gets zeros', async () => {
  const g = new Graph();
  const x = g.param('x', [3], { dtype: 'float64' });
  const u = g.param('u', [2], { dtype: 'float64' });
  const viaInt = g.cast(g.cast(x, 'int64'), 'float64');
  const [dx, du] = grad(g, g.reduceSum(g.add(viaInt, x), [0]), [x, u]);
  g.output('dx', dx);
  g.output('du', du);
  const p = await Program.compile(g);
  const r = await p.run({ x: { data: Float64Array.from([1.5, 2.5, -1]), dims: [3] }, u: { data: new Float64Array(2), dims: [2] } });
  assert.deepEqual([...(r.dx.data as Float64Array)], [1, 1, 1]);
  assert.deepEqual([...(r.du.data as Float64Array)], [0, 0]);
});

test('a missing rule fails loudly, naming the op', () => {
  const g = new Graph();
  const x = g.param('x', [3]);
  const [y] = g.node('Floor', [x], [['float32', [3]]]);
  assert.throws(() => grad(g, g.reduceSum(y, [0]), [x]), /grad: no gradient rule for op 'Floor'/);
});

test("customGrad: grad() uses the rule instead of the composite's nodes, and checks its use", async () => {
  const g = new Graph();
  const x = g.input('x', 'float64', [3]);
  const inner = g.mul(x, x);
  // a deliberately "wrong" rule (7 dy instead of 2 x dy) proves that the rule, not autodiff, gave the gradient
  const y = g.customGrad(g.mul(inner, g.scalar(1, 'float64')), [x], (gg, dy) => [gg.mul(dy, gg.scalar(7, 'float64'))]);
  const before = g.nodes.length;
  const [dx] = grad(g, g.reduceSum(y, [0]), [x]);
  assert.ok(g.nodes.length - before <= 4, `backward used ${g.nodes.length - before} nodes`);
  g.output('dx', dx);
  const p = await Program.compile(g, { threads: 1 });
  const out = await p.run({ x: { data: Float64Array.from([1, -2, 3]), dims: [3] } });
  assert.deepEqual([...(out.dx.data as Float64Array)], [7, 7, 7]);
  await p.dispose();
  assert.throws(() => g.customGrad(x, [x], (_g, d) => [d]), /customGrad: 'x' must be the single output of a node/);
  assert.throws(() => g.customGrad(y, [x], (_g, d) => [d]), /already has a custom gradient/);
  const g2 = new Graph();
  const z = g2.input('z', 'float64', [3]);
  const w = g2.customGrad(g2.neg(z), [z], () => []);
  assert.throws(() => grad(g2, g2.reduceSum(w, [0]), [z]), /custom gradient for 'Neg' gave no gradient for input 0/);
});
