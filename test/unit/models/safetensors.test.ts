import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, readSafetensorsWithMetadata, writeSafetensors, type SafeTensor } from '../../../src/engine/weights/safetensors';
import { readCheckpointFolder } from '../../../src/engine/weights/checkpoint';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'gft-st-'));
}

/** Builds a safetensors file by hand (independent of our writer) from raw byte blobs. */
function handMade(entries: { name: string; dtype: string; shape: number[]; bytes: Buffer }[], headerPad = 0): Buffer {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let off = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [off, off + e.bytes.length] };
    off += e.bytes.length;
  }
  const json = Buffer.from(JSON.stringify(header) + ' '.repeat(headerPad));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, ...entries.map((e) => e.bytes)]);
}

test('write then read round-trips F32, I64 and I32 tensors with metadata, leaving no temp file', () => {
  const dir = tmp();
  try {
    const tensors = new Map<string, SafeTensor>([
      ['a.weight', { dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, -2.5, 3, 4e-8, 5, Math.PI]) }],
      ['step', { dtype: 'I64', shape: [], data: BigInt64Array.from([123456789012n]) }],
      ['ids', { dtype: 'I32', shape: [3], data: Int32Array.from([-1, 0, 7]) }],
    ]);
    const path = join(dir, 'x.safetensors');
    writeSafetensors(path, tensors, { note: 'hi' });
    assert.deepEqual(readdirSync(dir), ['x.safetensors']);
    const raw = readFileSync(path);
    const n = Number(raw.readBigUInt64LE(0));
    assert.equal(n % 8, 0, 'header padded so data starts aligned');
    const { tensors: back, metadata } = readSafetensorsWithMetadata(path);
    assert.deepEqual(metadata, { note: 'hi' });
    assert.deepEqual([...back.keys()], ['a.weight', 'step', 'ids']);
    assert.deepEqual(back.get('a.weight')!.shape, [2, 3]);
    assert.deepEqual([...(back.get('a.weight')!.data as Float32Array)], [...(tensors.get('a.weight')!.data as Float32Array)]);
    assert.equal((back.get('step')!.data as BigInt64Array)[0], 123456789012n);
    assert.deepEqual(back.get('step')!.shape, []);
    assert.deepEqual([...(back.get('ids')!.data as Int32Array)], [-1, 0, 7]);
    // Buffer input gives the same result as a path.
    assert.deepEqual([...(readSafetensors(raw).get('a.weight')!.data as Float32Array)], [...(back.get('a.weight')!.data as Float32Array)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('F16, BF16 and F64 tensors are converted to Float32 (unaligned header too)', () => {
  const f16 = Buffer.alloc(8);
  // 1.0, -2.0, 0.5, 65504 (max half)
  [0x3c00, 0xc000, 0x3800, 0x7bff].forEach((h, i) => f16.writeUInt16LE(h, i * 2));
  const bf16 = Buffer.alloc(6);
  // bfloat16 = top 16 bits of float32: 1.0 = 0x3f80, -3.0 = 0xc040, 0.15625 = 0x3e20
  [0x3f80, 0xc040, 0x3e20].forEach((h, i) => bf16.writeUInt16LE(h, i * 2));
  const f64 = Buffer.alloc(16);
  f64.writeDoubleLE(0.1, 0);
  f64.writeDoubleLE(-7, 8);
  // headerPad 3 makes the data section start at an odd offset: typed arrays must still be built.
  const buf = handMade(
    [
      { name: 'h', dtype: 'F16', shape: [2, 2], bytes: f16 },
      { name: 'b', dtype: 'BF16', shape: [3], bytes: bf16 },
      { name: 'd', dtype: 'F64', shape: [2], bytes: f64 },
    ],
    3,
  );
  const t = readSafetensors(buf);
  assert.deepEqual([...(t.get('h')!.data as Float32Array)], [1, -2, 0.5, 65504]);
  assert.equal(t.get('h')!.dtype, 'F32');
  assert.equal(t.get('h')!.storedDtype, 'F16');
  assert.deepEqual([...(t.get('b')!.data as Float32Array)], [1, -3, 0.15625]);
  assert.deepEqual([...(t.get('d')!.data as Float32Array)], [Math.fround(0.1), -7]);
});

test('the filter skips tensors', () => {
  const buf = handMade([
    { name: 'keep', dtype: 'F32', shape: [1], bytes: Buffer.from(Float32Array.from([2]).buffer) },
    { name: 'cls.predictions.bias', dtype: 'F32', shape: [1], bytes: Buffer.from(Float32Array.from([3]).buffer) },
  ]);
  assert.deepEqual([...readSafetensors(buf, { filter: (n) => !n.startsWith('cls.') }).keys()], ['keep']);
});

test('corrupt files fail with a one-line error naming the file', () => {
  const dir = tmp();
  try {
    const p = join(dir, 'bad.safetensors');
    writeFileSync(p, Buffer.from([1, 2, 3]));
    assert.throws(() => readSafetensors(p), /bad\.safetensors: not a valid safetensors file \(shorter than 8 bytes\)/);
    const good = handMade([{ name: 'w', dtype: 'F32', shape: [4], bytes: Buffer.alloc(16) }]);
    writeFileSync(p, good.subarray(0, good.length - 4));
    assert.throws(() => readSafetensors(p), /tensor 'w' offsets .* do not match/);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(4n);
    writeFileSync(p, Buffer.concat([len, Buffer.from('{{{{')]));
    assert.throws(() => readSafetensors(p), /header is not JSON/);
    assert.throws(() => readSafetensors(join(dir, 'nope.safetensors')), /cannot open .*nope\.safetensors: ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writer rejects data that does not match its shape or dtype', () => {
  const dir = tmp();
  try {
    const p = join(dir, 'w.safetensors');
    assert.throws(
      () => writeSafetensors(p, new Map([['x', { dtype: 'F32', shape: [3], data: new Float32Array(2) }]])),
      /'x' has 2 values, shape \[3\] needs 3/,
    );
    assert.throws(
      () => writeSafetensors(p, new Map([['x', { dtype: 'I64', shape: [2], data: new Float32Array(2) }]])),
      /'x' is I64 but its data is a Float32Array/,
    );
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sharded checkpoints are merged through model.safetensors.index.json', () => {
  const dir = tmp();
  try {
    const f = (v: number[]) => ({ dtype: 'F32' as const, shape: [v.length], data: Float32Array.from(v) });
    writeSafetensors(
      join(dir, 'model-00001-of-00002.safetensors'),
      new Map([
        ['a', f([1, 2])],
        ['b', f([3])],
      ]),
    );
    writeSafetensors(join(dir, 'model-00002-of-00002.safetensors'), new Map([['c', f([4, 5, 6])]]));
    writeFileSync(
      join(dir, 'model.safetensors.index.json'),
      JSON.stringify({
        metadata: { total_size: 24 },
        weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00001-of-00002.safetensors', c: 'model-00002-of-00002.safetensors' },
      }),
    );
    const all = readCheckpointFolder(dir);
    assert.deepEqual([...all.keys()].sort(), ['a', 'b', 'c']);
    assert.deepEqual([...(all.get('c')!.data as Float32Array)], [4, 5, 6]);
    rmSync(join(dir, 'model-00002-of-00002.safetensors'));
    assert.throws(() => readCheckpointFolder(dir), /names shard model-00002-of-00002\.safetensors, which is missing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a folder without safetensors weights names what is missing', () => {
  const dir = tmp();
  try {
    assert.throws(() => readCheckpointFolder(dir), /has no model\.safetensors or model\.safetensors\.index\.json/);
    writeFileSync(join(dir, 'pytorch_model.bin'), 'x');
    assert.throws(() => readCheckpointFolder(dir), /has only pytorch_model\.bin; convert it/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
