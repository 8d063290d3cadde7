import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onnx } from 'onnx-proto';
import { Graph, Program, serialize, toModelProto } from '../../../src/engine';

test('shape errors name the op and the shapes', () => {
  const g = new Graph();
  const a = g.input('a', 'float32', [8, 16]);
  const b = g.input('b', 'float32', [12, 4]);
  assert.throws(() => g.matmul(a, b), /matmul: inner dims differ: \[8,16\] x \[12,4\]/);
  assert.throws(() => g.add(a, b), /add: cannot broadcast \[8,16\] with \[12,4\]/);
  assert.throws(() => g.reshape(a, [5, -1]), /reshape: cannot reshape \[8,16\] to \[5,-1\]/);
  const i = g.input('i', 'int64', [3]);
  assert.throws(() => g.add(a, i), /add: dtype mismatch/);
});

test('symbolic shapes are inferred through reshape, matmul and reductions', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', ['batch', 'seq', 12]);
  const w = g.param('w', [5, 12]);
  const y = g.linear(x, w);
  assert.deepEqual(y.shape, ['batch', 'seq', 5]);
  const flat = g.reshape(y, [-1, 5]);
  assert.deepEqual(flat.shape, ['batch*seq', 5]);
  assert.deepEqual(g.reduceSum(y, [1], true).shape, ['batch', 1, 5]);
  assert.deepEqual(g.matmul(y, g.transpose(y, [0, 2, 1])).shape, ['batch', 'seq', 'seq']);
  assert.equal(g.paramSpec(w)!.decay, true);
  assert.equal(g.paramSpec(g.param('b.bias', [5]))!.decay, false);
});

test('forward graph runs in onnxruntime and matches a hand computation', async () => {
  const g = new Graph();
  const x = g.input('x', 'float32', ['batch', 3]);
  const ids = g.input('ids', 'int64', ['batch']);
  const w = g.param('lin.weight', [2, 3]);
  const b = g.param('lin.bias', [2]);
  const emb = g.param('emb.weight', [4, 2]);
  const h = g.add(g.linear(x, w, b), g.gather(emb, ids));
  g.output('y', g.softmax(g.gelu(h), -1));
  g.output('s', g.reduceSum(h, [1]));
  const bytes = serialize(g).bytes;
  assert.ok(bytes.length > 100);
  const p = await Program.compile(g, { threads: 1 });
  const X = Float32Array.from([1, 2, 3, -1, 0, 0.5]);
  const W = Float32Array.from([0.1, 0.2, 0.3, -0.3, 0.2, 0.1]);
  const B = Float32Array.from([0.5, -0.5]);
  const E = Float32Array.from([0, 0, 1, 1, 2, -2, 3, 0]);
  const I = BigInt64Array.from([2n, 2n]);
  const r = await p.run({
    x: { data: X, dims: [2, 3] },
    ids: { data: I, dims: [2] },
    'lin.weight': { data: W, dims: [2, 3] },
    'lin.bias': { data: B, dims: [2] },
    'emb.weight': { data: E, dims: [4, 2] },
  });
  const erf = (z: number) => {
    // Abramowitz-Stegun 7.1.26 is 1e-7 accurate; enough for this check
    const t = 1 / (1 + 0.3275911 * Math.abs(z));
    const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
    return z >= 0 ? y : -y;
  };
  for (let n = 0; n < 2; n++) {
    const hv = [0, 1].map((o) => W[o * 3] * X[n * 3] + W[o * 3 + 1] * X[n * 3 + 1] + W[o * 3 + 2] * X[n * 3 + 2] + B[o] + E[2 * 2 + o]);
    const gv = hv.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2)));
    const z = Math.exp(gv[0]) + Math.exp(gv[1]);
    assert.ok(Math.abs((r.y.data[n * 2] as number) - Math.exp(gv[0]) / z) < 1e-5);
    assert.ok(Math.abs((r.s.data[n] as number) - (hv[0] + hv[1])) < 1e-5);
  }
  assert.deepEqual(r.y.dims, [2, 2]);
  await assert.rejects(() => p.run({ x: { data: X, dims: [2, 3] } }), /missing input 'ids'/);
  await p.dispose();
});

test('the ONNX model declares opset 18 / IR 8, symbolic input dims, and leaves out unused nodes', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', ['batch', 4]);
  const w = g.param('w', [4, 4]);
  g.exp(x); // unused: must not be written
  g.output('y', g.matmul(x, w));
  const bytes = serialize(g).bytes;
  const m = onnx.ModelProto.decode(bytes);
  assert.equal(Number(m.irVersion), 8);
  assert.deepEqual(
    m.opsetImport.map((o) => [o.domain, Number(o.version)]),
    [['', 18]],
  );
  assert.deepEqual(
    m.graph!.node!.map((n) => n.opType),
    ['MatMul', 'Identity'],
  );
  assert.deepEqual(
    m.graph!.input!.map((i) => i.name),
    ['x', 'w'],
  );
  assert.equal(m.graph!.input![0].type!.tensorType!.shape!.dim![0].dimParam, 'batch');
  assert.equal(toModelProto(g).graph!.output![0].name, 'y');
  assert.throws(() => toModelProto(new Graph()), /no outputs/);
});
