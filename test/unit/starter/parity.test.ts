// The engine's USE Lite must reproduce TF.js's own execution of the shipped graph model: every embedding in
// test/fixtures/use/reference.json (made by scripts/make_use_reference.mjs) within cosine >= 0.9999.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Graph, Program } from '../../../src/engine';
import { UseLiteClassifier, UseLiteEmbedder, initUseLiteHead, loadUseLiteWeights, useLiteWindows } from '../../../src/engine/models/useLite';
import { loadStarterModel, starterModelFiles } from '../../../src/host/models/starter';

interface Item {
  name: string;
  tokens: number;
  ids: number[];
  embedding: string;
}
const fixture: { items: Item[] } = JSON.parse(readFileSync(join(__dirname, '../../fixtures/use/reference.json'), 'utf8'));
const decode = (b64: string) => {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const weights = loadUseLiteWeights(starterModelFiles().modelJson);

function compare(a: Float32Array, b: Float32Array): { cos: number; maxAbs: number } {
  let dot = 0,
    na = 0,
    nb = 0,
    maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
    maxAbs = Math.max(maxAbs, Math.abs(a[i] - b[i]));
  }
  return { cos: dot / Math.sqrt(na * nb), maxAbs };
}

test('reference fixture covers short texts, padding and full-length reviews', () => {
  assert.ok(fixture.items.length >= 20);
  assert.ok(fixture.items.filter((it) => it.tokens > 128).length >= 8, 'full reviews (clipped by the model)');
  assert.ok(fixture.items.some((it) => it.tokens < 10));
});

test('engine embeddings match TF.js (cosine >= 0.9999 each), in one padded batch', async () => {
  const emb = await UseLiteEmbedder.create(weights, { threads: 2, batchSize: 64 });
  try {
    const got = await emb.embed(fixture.items.map((it) => it.ids));
    let worstCos = 1,
      worstAbs = 0;
    fixture.items.forEach((it, i) => {
      const { cos, maxAbs } = compare(got.subarray(i * 512, (i + 1) * 512), decode(it.embedding));
      worstCos = Math.min(worstCos, cos);
      worstAbs = Math.max(worstAbs, maxAbs);
      assert.ok(cos >= 0.9999, `${it.name}: cosine ${cos}`);
    });
    console.log(`USE Lite parity over ${fixture.items.length} texts: min cosine ${worstCos.toFixed(8)}, max |diff| ${worstAbs.toExponential(2)}`);
    // Batch composition must not matter: each text alone gives the same vector as in the padded batch.
    for (const i of [0, 5, fixture.items.length - 1]) {
      const alone = await emb.embed([fixture.items[i].ids]);
      assert.ok(compare(alone, got.subarray(i * 512, (i + 1) * 512)).maxAbs < 1e-5, fixture.items[i].name);
    }
    // Output is L2-normalised like the original.
    let n2 = 0;
    for (let j = 0; j < 512; j++) n2 += got[j] * got[j];
    assert.ok(Math.abs(n2 - 1) < 1e-5);
  } finally {
    await emb.dispose();
  }
});

test('windows: consecutive <= 128-token pieces covering every id; too-long input is refused', async () => {
  const ids = Array.from({ length: 300 }, (_, i) => 10 + i);
  const w = useLiteWindows(ids);
  assert.deepEqual(
    w.map((x) => x.length),
    [128, 128, 44],
  );
  assert.deepEqual(w.flat(), ids);
  assert.deepEqual(useLiteWindows([]), [[]]);
  assert.throws(() => useLiteWindows(ids, 129), /window size must be 1\.\.128/);
  const emb = await UseLiteEmbedder.create(weights, { threads: 1 });
  try {
    await assert.rejects(emb.embed([ids]), /at most 128 tokens per window/);
  } finally {
    await emb.dispose();
  }
});

test('classifier: logits = head(embedding), all weights trainable, deterministic head init', async () => {
  const model = new UseLiteClassifier(2, weights.timing);
  assert.equal(model.architecture, 'use-lite');
  assert.deepEqual(model.inputNames, ['input_ids', 'attention_mask']);
  assert.deepEqual([...new Set(model.params.map((p) => p.group))], ['embeddings', 'layer.0', 'layer.1', 'head']);
  const total = model.params.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  assert.equal(total, 6_975_744 + 2 * 512 + 2);
  const head = initUseLiteHead(2, 7);
  assert.deepEqual(head.get('classifier.weight'), initUseLiteHead(2, 7).get('classifier.weight'));
  assert.notDeepEqual(head.get('classifier.weight'), initUseLiteHead(2, 8).get('classifier.weight'));
  assert.ok(head.get('classifier.bias')!.every((v) => v === 0));

  const g = new Graph({ training: false });
  const { logits, inputEmbeds } = model.buildLogits(g);
  assert.deepEqual(logits.shape, ['batch', 2]);
  assert.deepEqual(inputEmbeds.shape, ['batch', 'seq', 256]);
  assert.ok(g.params.every((p) => p.trainable));
  g.output('logits', logits);
  const program = await Program.compile(g, { threads: 1 });
  try {
    const feeds: Record<string, { data: Float32Array | BigInt64Array; dims: number[] }> = {};
    for (const p of model.params) feeds[p.name] = { data: weights.params.get(p.name) ?? head.get(p.name)!, dims: p.shape };
    const it = fixture.items[1];
    const dims = [1, it.ids.length];
    const r = await program.run({
      ...feeds,
      input_ids: { data: BigInt64Array.from(it.ids.map(BigInt)), dims },
      attention_mask: { data: new BigInt64Array(it.ids.length).fill(1n), dims },
    });
    const e = decode(it.embedding);
    const W = head.get('classifier.weight')!;
    for (let c = 0; c < 2; c++) {
      let want = 0;
      for (let j = 0; j < 512; j++) want += W[c * 512 + j] * e[j] * Math.sqrt(512);
      assert.ok(Math.abs((r.logits.data[c] as number) - want) < 1e-5);
    }
  } finally {
    await program.dispose();
  }
});

test('the starter model loads from the installed package', () => {
  const m = loadStarterModel();
  assert.equal(m.files.version, '0.2.0');
  assert.deepEqual(m.tokenizer.encode(fixture.items[1].name), fixture.items[1].ids);
  assert.equal(m.weights.params.size, 29);
});
