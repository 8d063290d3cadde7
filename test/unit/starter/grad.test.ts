// USE Lite is fine-tuned like any other model, so the loss must be differentiable through every layer: the
// engine's gradients of the cross-entropy loss are checked against central finite differences (per parameter,
// along a random direction), and padded positions must get exactly no gradient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, Program, grad } from '../../../src/engine';
import { NormalRng } from '../../../src/engine/weights/loadModel';
import { UseLiteClassifier, loadUseLiteWeights } from '../../../src/engine/models/useLite';
import { starterModelFiles } from '../../../src/host/models/starter';

const CHECKED = [
  'embeddings.word_embeddings.weight',
  'encoder.layer.0.attention.layer_norm.bias',
  'encoder.layer.0.attention.qkv.weight',
  'encoder.layer.0.residual_projection.weight',
  'encoder.layer.0.ffn.conv2.weight',
  'encoder.layer.1.attention.output.weight',
  'encoder.layer.1.ffn.conv1.weight',
  'encoder.layer.1.ffn.layer_norm.weight',
  'pooler.tanh.weight',
  'classifier.weight',
];

test('USE Lite gradients match finite differences; padded tokens get none', async () => {
  const weights = loadUseLiteWeights(starterModelFiles().modelJson);
  const model = new UseLiteClassifier(2, weights.timing);
  const g = new Graph({ training: false });
  const { logits } = model.buildLogits(g);
  const labels = g.input('labels', 'int64', ['batch']);
  const loss = g.softmaxCrossEntropy(logits, labels);
  const params = g.params.map((p) => p.tensor);
  const grads = grad(g, loss, params);
  g.output('loss', loss);
  params.forEach((p, i) => g.output(`grad:${p.name}`, grads[i]));
  const program = await Program.compile(g, { threads: 1 });

  // A larger random head than the normal(0, 0.02) default (x sqrt(512) headScale: logits of a few units), so
  // that the transformer weights get gradients far above float32 rounding noise.
  const rng = new NormalRng(3);
  const values = new Map<string, Float32Array>(weights.params);
  values.set(
    'classifier.weight',
    Float32Array.from({ length: 1024 }, () => 0.15 * rng.next()),
  );
  values.set('classifier.bias', new Float32Array(2));
  const batch = 2;
  const seq = 9;
  const ids = BigInt64Array.from({ length: batch * seq }, (_, i) => BigInt(6 + ((i * 977) % 7990)));
  const mask = BigInt64Array.from({ length: batch * seq }, (_, i) => (i < seq || i % seq < 5 ? 1n : 0n)); // row 1: 5 tokens
  const run = async (w: Map<string, Float32Array>, outputs?: string[]) => {
    const feeds: Record<string, { data: Float32Array | BigInt64Array; dims: number[] }> = {
      input_ids: { data: ids, dims: [batch, seq] },
      attention_mask: { data: mask, dims: [batch, seq] },
      labels: { data: BigInt64Array.from([0n, 1n]), dims: [batch] },
    };
    for (const p of model.params) feeds[p.name] = { data: w.get(p.name)!, dims: p.shape };
    return program.run(feeds, outputs);
  };
  try {
    const base = await run(values);
    for (const p of model.params) assert.ok((base[`grad:${p.name}`].data as Float32Array).every(Number.isFinite), p.name);

    const emb = base['grad:embeddings.word_embeddings.weight'].data as Float32Array;
    for (let i = 0; i < batch * seq; i++) {
      const row = emb.subarray(Number(ids[i]) * 256, (Number(ids[i]) + 1) * 256);
      const norm = Math.hypot(...row);
      if (mask[i] === 1n) assert.ok(norm > 0, `token ${i} gets a gradient`);
      else assert.equal(norm, 0, `padded token ${i} must get no gradient`);
    }

    const eps = 1e-4;
    for (const name of CHECKED) {
      const d = Float32Array.from(values.get(name)!, () => rng.next());
      const gr = base[`grad:${name}`].data as Float32Array;
      let analytic = 0;
      for (let i = 0; i < d.length; i++) analytic += gr[i] * d[i];
      const shifted = (s: number) => new Map([...values].map(([k, v]) => [k, k === name ? Float32Array.from(v, (x, i) => x + s * eps * d[i]) : v]));
      const lp = (await run(shifted(1), ['loss'])).loss.data[0] as number;
      const lm = (await run(shifted(-1), ['loss'])).loss.data[0] as number;
      const numeric = (lp - lm) / (2 * eps);
      assert.ok(Math.abs(analytic) > 0.05, `${name}: gradient too small to check (${analytic})`);
      assert.ok(Math.abs(numeric - analytic) <= 0.03 * Math.abs(analytic), `${name}: analytic ${analytic} vs numeric ${numeric}`);
    }
  } finally {
    await program.dispose();
  }
});
