// The TF.js graph-model reader: manifest order across shard files, dtypes, quantized weights, clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTfjsGraphModel } from '../../../src/engine/weights/tfjsGraph';

function writeModel(dir: string, weights: object[], shards: Buffer[]): string {
  const paths = shards.map((_, i) => `group1-shard${i + 1}of${shards.length}`);
  shards.forEach((b, i) => writeFileSync(join(dir, paths[i]), b));
  const p = join(dir, 'model.json');
  writeFileSync(p, JSON.stringify({ modelTopology: { node: [{ name: 'x', op: 'Placeholder' }] }, weightsManifest: [{ paths, weights }] }));
  return p;
}

test('reads float32, int32, uint8-quantized and float16 weights across shard boundaries', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-tfjs-'));
  try {
    const f32 = Buffer.from(Float32Array.from([1.5, -2, 3.25, 4, 5, 6]).buffer);
    const i32 = Buffer.from(Int32Array.from([128, -1]).buffer);
    const u8 = Buffer.from([0, 10, 255]);
    const f16 = Buffer.from(Uint16Array.from([0x3c00, 0xc000, 0x3555]).buffer); // 1, -2, ~0.33325
    const all = Buffer.concat([f32, i32, u8, f16]);
    const p = writeModel(
      dir,
      [
        { name: 'a', shape: [2, 3], dtype: 'float32' },
        { name: 'len', shape: [2], dtype: 'int32' },
        { name: 'q', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
        { name: 'h', shape: [3], dtype: 'float32', quantization: { dtype: 'float16' } },
      ],
      [all.subarray(0, 10), all.subarray(10)],
    ); // a shard boundary inside 'a'
    const m = readTfjsGraphModel(p);
    assert.equal(m.nodes[0].op, 'Placeholder');
    assert.deepEqual(m.weights.get('a'), { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1.5, -2, 3.25, 4, 5, 6]) });
    assert.deepEqual(m.weights.get('len'), { dtype: 'int32', shape: [2], data: Int32Array.from([128, -1]) });
    assert.deepEqual(Array.from(m.weights.get('q')!.data), [-1, 4, 126.5]);
    const h = m.weights.get('h')!.data;
    assert.deepEqual([h[0], h[1]], [1, -2]);
    assert.ok(Math.abs(h[2] - 1 / 3) < 1e-3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('truncated or missing shards and non-graph files give one-line errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-tfjs-'));
  try {
    const p = writeModel(dir, [{ name: 'a', shape: [4], dtype: 'float32' }], [Buffer.alloc(12)]);
    assert.throws(() => readTfjsGraphModel(p), /truncated at a/);
    writeModel(dir, [{ name: 'a', shape: [2], dtype: 'float32' }], [Buffer.alloc(12)]);
    assert.throws(() => readTfjsGraphModel(p), /4 unexpected extra bytes/);
    writeFileSync(p, JSON.stringify({ modelTopology: { node: [] }, weightsManifest: [{ paths: ['nope.bin'], weights: [] }] }));
    assert.throws(() => readTfjsGraphModel(p), /shard .*nope\.bin is missing/);
    writeFileSync(p, JSON.stringify({ format: 'layers-model' }));
    assert.throws(() => readTfjsGraphModel(p), /no weightsManifest: not a TF\.js graph model/);
    assert.throws(() => readTfjsGraphModel(join(dir, 'absent.json')), /cannot read TF\.js model/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
