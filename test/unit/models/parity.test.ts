// PyTorch parity of whole training runs: each architecture, loaded from its fixture folder (a tiny HF model
// folder), trained 5 AdamW steps by the engine's trainer on the fixture batch with the fixture's config, must
// reproduce PyTorch's per-step loss, learning rate and gradient norm, and the final parameters.
// Fixtures: scripts/make_parity_fixtures.py (bert: constant lr; distilbert: clipping that bites + class
// weights; roberta: linear schedule with warmup, gelu_new, positions from padding).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSequenceClassifier } from '../../../src/engine/models';
import { createTrainer } from '../../../src/engine';
import { ARCHS, int64, maxAbsDiff, readFixture, type Arch } from './fixtures';

async function trainLikeTorch(arch: Arch, sparseMinElements?: number) {
  const fx = readFixture(arch);
  const { model, weights } = loadSequenceClassifier(fx.folder);
  const initial = new Map([...weights].map(([k, v]) => [k, Float32Array.from(v)]));
  const trainer = await createTrainer(model, weights, { ...fx.train, threads: 1, ...(sparseMinElements ? { sparseMinElements } : {}) });
  const b = fx.batch;
  const batch = {
    inputIds: int64(b.input_ids),
    attentionMask: int64(b.attention_mask),
    ...(b.token_type_ids ? { tokenTypeIds: int64(b.token_type_ids) } : {}),
    labels: BigInt64Array.from(b.labels.map(BigInt)),
    batch: b.input_ids.length,
    seq: b.input_ids[0].length,
  };
  try {
    const logits = await trainer.evaluate(batch);
    assert.ok(maxAbsDiff(logits, fx.logits) <= 1e-5, `${arch}: logits before training differ by ${maxAbsDiff(logits, fx.logits)}`);
    for (let s = 0; s < fx.steps; s++) {
      const r = await trainer.step(batch);
      const rel = Math.abs(r.loss - fx.losses[s]) / Math.abs(fx.losses[s]);
      assert.ok(rel <= 1e-4, `${arch} step ${s}: loss ${r.loss} vs torch ${fx.losses[s]} (relative error ${rel.toExponential(2)})`);
      assert.ok(Math.abs(r.lr - fx.lrs[s]) <= 1e-12, `${arch} step ${s}: lr ${r.lr} vs torch ${fx.lrs[s]}`);
      const gn = Math.abs(r.gradNorm - fx.gradNorms[s]) / fx.gradNorms[s];
      assert.ok(gn <= 1e-4, `${arch} step ${s}: grad norm ${r.gradNorm} vs torch ${fx.gradNorms[s]}`);
    }
    const after = trainer.weights();
    let worst = 0,
      worstName = '',
      moved = 0;
    for (const [name, want] of fx.final) {
      const got = after.get(name);
      assert.ok(got, `${arch}: trainer has no parameter '${name}'`);
      const e = maxAbsDiff(got, want);
      if (e > worst) [worst, worstName] = [e, name];
      moved = Math.max(moved, maxAbsDiff(initial.get(name)!, want));
    }
    assert.equal(after.size, fx.final.size);
    assert.ok(worst <= 1e-4, `${arch}: final parameter '${worstName}' differs from torch by ${worst}`);
    assert.ok(moved > 1e-3, `${arch}: training must move the parameters (max move ${moved})`);
  } finally {
    await trainer.dispose();
  }
}

for (const arch of ARCHS) {
  test(`${arch}: 5 AdamW steps match PyTorch (loss, lr, grad norm, final parameters)`, () => trainLikeTorch(arch));
}

test('sparse embedding gradients (rows + ids) give the same run as dense ones', async () => {
  // Every gather-only table above 1000 elements (the fixtures' word embeddings, 3200) goes the sparse way.
  for (const arch of ARCHS) await trainLikeTorch(arch, 1000);
});
