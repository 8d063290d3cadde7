// Forward pass of each architecture, built from Graph ops and run in onnxruntime, against PyTorch logits
// (fixtures from scripts/make_parity_fixtures.py), plus the loader's head handling and the pooled embedding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../../../src/engine/ir/graph';
import { Program, type TensorData } from '../../../src/engine/runtime/session';
import { loadSequenceClassifier, type LoadedClassifier } from '../../../src/engine/models';
import { ARCHS, int64, maxAbsDiff, readFixture, type Fixture } from './fixtures';

async function forward(loaded: LoadedClassifier, fx: Fixture, what: 'logits' | 'pooled'): Promise<TensorData> {
  const { model, weights } = loaded;
  const g = new Graph({ training: false });
  if (what === 'logits') g.output('logits', model.buildLogits(g).logits);
  else g.output('pooled', model.buildPooled(g));
  const prog = await Program.compile(g, { threads: 1 });
  const b = fx.batch;
  const dims = [b.input_ids.length, b.input_ids[0].length];
  const feeds: Record<string, TensorData> = {
    input_ids: { data: int64(b.input_ids), dims },
    attention_mask: { data: int64(b.attention_mask), dims },
    token_type_ids: { data: int64(b.token_type_ids ?? b.input_ids.map((r) => r.map(() => 0))), dims },
  };
  for (const p of model.params) feeds[p.name] = { data: weights.get(p.name)!, dims: p.shape };
  try {
    return (await prog.run(feeds))[what];
  } finally {
    await prog.dispose();
  }
}

for (const arch of ARCHS) {
  test(`${arch}: logits match PyTorch`, async () => {
    const fx = readFixture(arch);
    const loaded = loadSequenceClassifier(fx.folder, { seed: 1 });
    assert.equal(loaded.model.architecture, arch);
    assert.deepEqual(loaded.initialized, [], 'the fixture checkpoint has every parameter, head included');
    assert.equal(loaded.model.params.length, loaded.weights.size);
    const out = await forward(loaded, fx, 'logits');
    assert.deepEqual(out.dims, [4, loaded.model.numLabels]);
    const err = maxAbsDiff(out.data as Float32Array, fx.logits);
    assert.ok(err <= 1e-5, `max abs logit error ${err}`);
    // Non-trivial logits: the rows differ, so a broken mask or position scheme would show.
    assert.ok(maxAbsDiff(fx.logits.subarray(0, loaded.model.numLabels), fx.logits.subarray(loaded.model.numLabels, 2 * loaded.model.numLabels)) > 1e-3);
  });
}

test("padding does not change a sequence's logits (mask and positions are right)", async () => {
  for (const arch of ARCHS) {
    const fx = readFixture(arch);
    const loaded = loadSequenceClassifier(fx.folder);
    // Row 2 alone, with its padding cut off: same logits as inside the padded batch.
    const n = fx.batch.attention_mask[2].reduce((a, b) => a + b, 0);
    const cut = (rows?: number[][]) => rows && [rows[2].slice(0, n)];
    const one: Fixture = {
      ...fx,
      batch: { input_ids: cut(fx.batch.input_ids)!, attention_mask: cut(fx.batch.attention_mask)!, token_type_ids: cut(fx.batch.token_type_ids), labels: [0] },
    };
    const out = await forward(loaded, one, 'logits');
    const L = loaded.model.numLabels;
    const err = maxAbsDiff(out.data as Float32Array, fx.logits.subarray(2 * L, 3 * L));
    assert.ok(err <= 1e-5, `${arch}: unpadded row differs by ${err}`);
  }
});

test('a new label count re-initialises only the label-dependent head, deterministically by seed', async () => {
  const fx = readFixture('roberta');
  const a = loadSequenceClassifier(fx.folder, { numLabels: 5, seed: 7 });
  assert.deepEqual(a.initialized, ['classifier.out_proj.weight', 'classifier.out_proj.bias']);
  assert.equal(a.model.numLabels, 5);
  const w = a.weights.get('classifier.out_proj.weight')!;
  assert.equal(w.length, 5 * 32);
  const mean = w.reduce((s, v) => s + v, 0) / w.length;
  const std = Math.sqrt(w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length);
  assert.ok(Math.abs(std - 0.02) < 0.005, `init std ${std} should be near initializer_range 0.02`);
  assert.ok(a.weights.get('classifier.out_proj.bias')!.every((v) => v === 0));
  const b = loadSequenceClassifier(fx.folder, { numLabels: 5, seed: 7 });
  assert.deepEqual(b.weights.get('classifier.out_proj.weight'), w);
  const c = loadSequenceClassifier(fx.folder, { numLabels: 5, seed: 8 });
  assert.notDeepEqual(c.weights.get('classifier.out_proj.weight'), w);
  const out = await forward(a, fx, 'logits');
  assert.deepEqual(out.dims, [4, 5]);
});

test('buildPooled gives the masked mean of the last hidden states', async () => {
  const fx = readFixture('bert');
  const loaded = loadSequenceClassifier(fx.folder);
  const out = await forward(loaded, fx, 'pooled');
  assert.deepEqual(out.dims, [4, 32]);
  // Padding must not leak into the mean: row 2 alone gives the same vector.
  const n = fx.batch.attention_mask[2].reduce((x, y) => x + y, 0);
  const cut = (rows: number[][]) => [rows[2].slice(0, n)];
  const one = await forward(
    loaded,
    {
      ...fx,
      batch: { input_ids: cut(fx.batch.input_ids), attention_mask: cut(fx.batch.attention_mask), token_type_ids: cut(fx.batch.token_type_ids!), labels: [0] },
    },
    'pooled',
  );
  assert.ok(maxAbsDiff(one.data as Float32Array, (out.data as Float32Array).subarray(64, 96)) < 1e-5);
});

test('maxSequenceLength is the position table size (RoBERTa: less padding_idx + 1)', () => {
  assert.equal(loadSequenceClassifier(readFixture('bert').folder).model.maxSequenceLength, 40);
  assert.equal(loadSequenceClassifier(readFixture('distilbert').folder).model.maxSequenceLength, 40);
  assert.equal(loadSequenceClassifier(readFixture('roberta').folder).model.maxSequenceLength, 38);
});

test('RoBERTa runs at exactly maxSequenceLength tokens (last position row used)', async () => {
  const fx = readFixture('roberta');
  const loaded = loadSequenceClassifier(fx.folder);
  const n = loaded.model.maxSequenceLength;
  const row = Array.from({ length: n }, (_, i) => 5 + (i % 90));
  const out = await forward(loaded, { ...fx, batch: { input_ids: [row], attention_mask: [row.map(() => 1)], labels: [0] } }, 'logits');
  assert.ok([...(out.data as Float32Array)].every(Number.isFinite));
});
