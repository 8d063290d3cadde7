// The quantization pass on its own: weight rounding, the rewritten graph, and onnxruntime running it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { NormalRng } from '../../../src/engine/weights/loadModel';
import { buildInferenceModel, dequantize, encodeModel, quantizeColumns, quantizeDynamic } from '../../../src/engine/export';
import { tinyModel } from './tiny';

test('quantizeColumns: per-column scales, round trip within half a step, zero points', () => {
  const rows = 5,
    cols = 3;
  const x = Float32Array.from([0.5, -2, 10, -0.25, 1, -10, 0.1, 0.3, 3, 0, -1, 0, 0.49, 2, 7]);
  for (const weightType of ['int8', 'uint8'] as const) {
    for (const perChannel of [true, false]) {
      const q = quantizeColumns(x, rows, cols, { weightType, perChannel, reduceRange: false });
      assert.equal(q.scale.length, perChannel ? cols : 1);
      for (let i = 0; i < x.length; i++) {
        const s = q.scale[perChannel ? i % cols : 0];
        assert.ok(Math.abs(dequantize(q, cols, i) - x[i]) <= s / 2 + 1e-7, `${weightType} ${perChannel} element ${i}`);
      }
      if (weightType === 'int8')
        assert.ok(
          q.zeroPoint.every((z) => z === 0),
          'symmetric',
        );
      else assert.equal(dequantize(q, cols, 9), 0, 'zero is exact with uint8 zero points');
    }
  }
  // column 2 spans [-10, 10]: int8 scale 10/127, reduceRange 10/63
  assert.ok(Math.abs(quantizeColumns(x, rows, cols, { weightType: 'int8', perChannel: true, reduceRange: false }).scale[2] - 10 / 127) < 1e-7);
  assert.ok(Math.abs(quantizeColumns(x, rows, cols, { weightType: 'int8', perChannel: true, reduceRange: true }).scale[2] - 10 / 63) < 1e-7);
});

test('quantizeDynamic rewrites every Gemm weight and embedding, shares DynamicQuantizeLinear, runs in onnxruntime', async () => {
  const { model, weights } = tinyModel('bert', 70, 3);
  const proto = buildInferenceModel(model, weights);
  const gemms = proto.graph!.node!.filter((n) => n.opType === 'Gemm').length;
  const { model: q, report } = quantizeDynamic(proto, { exclude: ['classifier.weight'] });
  const ops = (p: onnx.IModelProto, op: string) => p.graph!.node!.filter((n) => n.opType === op).length;
  assert.equal(ops(q, 'MatMulInteger'), gemms - 1, 'all Gemms but the excluded classifier');
  assert.equal(ops(q, 'Gemm'), 1);
  // q, k and v read the same activation: one DynamicQuantizeLinear for the three per layer
  assert.ok(ops(q, 'DynamicQuantizeLinear') < ops(q, 'MatMulInteger'));
  assert.equal(ops(q, 'DequantizeLinear'), 3, 'word, position and token-type embeddings');
  assert.equal(report.quantized.length, gemms - 1 + 3);
  const floats = q.graph!.initializer!.filter((t) => t.dataType === onnx.TensorProto.DataType.FLOAT && t.dims!.length === 2).map((t) => t.name);
  assert.deepEqual(floats, ['classifier.weight'], 'no float weight matrix is left but the excluded one');
  assert.ok(report.quantizedBytes < 0.4 * report.floatBytes, `${report.quantizedBytes} of ${report.floatBytes} bytes`);
  // the source model is untouched
  assert.equal(ops(proto, 'Gemm'), gemms);

  const s = await ort.InferenceSession.create(encodeModel(q));
  const ids = BigInt64Array.from({ length: 12 }, (_, i) => BigInt(5 + ((i * 7) % 60)));
  const dims = [2, 6];
  const out = await s.run({
    input_ids: new ort.Tensor('int64', ids, dims),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(12).fill(1n), dims),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(12), dims),
  });
  assert.deepEqual(out.logits.dims, [2, 2]);
  assert.ok((out.logits.data as Float32Array).every(Number.isFinite));
  await s.release();
});

test('int8 weights at full range saturate on CPUs without VNNI; uint8 and int8 + reduceRange do not', async () => {
  // One Gemm y = x W^T (K 256, N 64) with activations in [-2, 2]: the reason uint8 is the default.
  const K = 256,
    N = 64,
    M = 8;
  const rng = new NormalRng(5);
  const W = Float32Array.from({ length: N * K }, () => rng.uniform() * 2 - 1);
  const x = Float32Array.from({ length: M * K }, () => rng.uniform() * 4 - 2);
  const proto: onnx.IModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 18 }],
    graph: {
      name: 'g',
      node: [
        { opType: 'Gemm', input: ['x', 'W'], output: ['y'], name: 'gemm', attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] },
      ],
      initializer: [{ name: 'W', dataType: onnx.TensorProto.DataType.FLOAT, dims: [N, K], rawData: new Uint8Array(W.buffer) }],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: M }, { dimValue: K }] } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
    },
  };
  const run = async (p: onnx.IModelProto) => {
    const s = await ort.InferenceSession.create(encodeModel(p));
    const y = (await s.run({ x: new ort.Tensor('float32', x, [M, K]) })).y.data as Float32Array;
    await s.release();
    return y;
  };
  const ref = await run(proto);
  const err = async (o: Parameters<typeof quantizeDynamic>[1]) => {
    const y = await run(quantizeDynamic(proto, o).model);
    return y.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i])), 0);
  };
  const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const u8 = await err({});
  const s8r = await err({ weightType: 'int8', reduceRange: true });
  const s8 = await err({ weightType: 'int8' });
  console.log(`one Gemm, max |y| ${scale.toFixed(2)}: max error uint8 ${u8.toFixed(3)}, int8 reduceRange ${s8r.toFixed(3)}, int8 full range ${s8.toFixed(3)}`);
  assert.ok(u8 < 0.05 * scale && s8r < 0.05 * scale, 'uint8 and 7-bit int8 are accurate on every CPU');
  // full-range int8 (s8) is accurate only where onnxruntime's u8 x s8 kernel does not saturate (VNNI, ARM); the
  // log above shows which kind of CPU ran the test.
});
