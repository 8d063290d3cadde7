// Frozen embeddings of a Hugging Face encoder (the tiny BERT parity fixture + a tiny WordPiece tokenizer) +
// logistic regression as a run; one text's embedding checked against the model's pooled graph run directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, Program, type TensorData } from '../../../src/engine';
import { loadSequenceClassifier } from '../../../src/engine/models';
import { predictTexts, runEmbeddingBaseline } from '../../../src/host/jobs';
import { createHfEmbedder, embedTextsHf } from '../../../src/host/jobs/hfEmbeddings';
import { readRun } from '../../../src/host/runs';
import { writeTinyTokenizer } from '../tokenize/tinyTokenizer';

function tinyBertFolder(): { dir: string; vocab: Record<string, number> } {
  const dir = mkdtempSync(join(tmpdir(), 'gft-embhf-model-'));
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(join('test/fixtures/parity/bert', f), join(dir, f));
  return { dir, vocab: writeTinyTokenizer(dir, 'bert') };
}

test('embeddings baseline with a BERT folder: run completes, records the model, predicts the test set', async () => {
  const { dir } = tinyBertFolder();
  const root = mkdtempSync(join(tmpdir(), 'gft-embhf-'));
  const phases = new Set<string>();
  const r = await runEmbeddingBaseline(
    { kind: 'embeddings', model: dir, trainFile: 'test/fixtures/host/tiny-train.jsonl', evalFile: 'test/fixtures/host/tiny-eval.jsonl', runsRoot: root, C: 10 },
    { progress: (p) => phases.add(p.phase) },
  );
  assert.equal(r.status, 'completed', r.error);
  assert.ok(phases.has('features') && phases.has('training'));
  const d = readRun(r.runDir);
  assert.equal(d.manifest.kind, 'baseline-embeddings');
  assert.equal(d.manifest.config.model, dir);
  assert.match(String(d.manifest.config.pooling), /mean/);
  assert.ok(d.manifest.model?.fileHashes?.['model.safetensors'], 'run.json records the weights hash');
  const evalIds = readFileSync('test/fixtures/host/tiny-eval.jsonl', 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { id: string }).id);
  assert.equal(d.predictions.length, evalIds.length);
  assert.deepEqual(new Set(d.predictions.map((p) => p.id)), new Set(evalIds));
  assert.ok(r.test!.accuracy >= 0 && r.test!.accuracy <= 1);
  // Predicting from the saved run reloads the same encoder and classifier.
  const p = await predictTexts(r.runDir, ['the movie was great', 'a bad film']);
  assert.equal(p.predictions.length, 2);
});

test('HF embeddings: a text equals the mean of its windows computed by the pooled graph directly', async () => {
  const { dir, vocab } = tinyBertFolder();
  const emb = await createHfEmbedder(dir);
  try {
    assert.equal(emb.maxLength, 16); // tokenizer_config model_max_length 16 < 40 positions
    // 20 content words: windows of 14 with overlap 3 -> two windows [0..14) and [6..20).
    const words = Array.from({ length: 20 }, (_, i) => ['the', 'movie', 'was', 'great', 'bad', 'film', 'plot', 'twist'][i % 8]);
    const text = words.join(' ');
    const others = ['a bad film', 'the plot was great'];
    const [got] = (await embedTextsHf(emb, [text, ...others], 'chunks', undefined, undefined, 2)).slice(0, 1);

    // Independent computation: the model's buildPooled graph on each window, fed by hand, then averaged.
    const { model, weights } = loadSequenceClassifier(dir, { numLabels: 2, seed: 7 });
    const g = new Graph({ training: false });
    g.output('pooled', model.buildPooled!(g));
    const prog = await Program.compile(g, { threads: 1 });
    try {
      const ids = words.map((w) => vocab[w]);
      const windows = [ids.slice(0, 14), ids.slice(6, 20)].map((w) => [vocab['[CLS]'], ...w, vocab['[SEP]']]);
      const want = new Float64Array(32);
      const perWindow: Float32Array[] = [];
      for (const w of windows) {
        const feeds: Record<string, TensorData> = {};
        for (const p of model.params) feeds[p.name] = { data: weights.get(p.name)!, dims: p.shape as number[] };
        const dims = [1, w.length];
        feeds.input_ids = { data: BigInt64Array.from(w, BigInt), dims };
        feeds.attention_mask = { data: new BigInt64Array(w.length).fill(1n), dims };
        feeds.token_type_ids = { data: new BigInt64Array(w.length), dims };
        const out = (await prog.run(feeds)).pooled.data as Float32Array;
        assert.equal(out.length, 32);
        perWindow.push(out.slice());
        out.forEach((v, k) => {
          want[k] += v / windows.length;
        });
      }
      assert.equal(got.length, 32);
      let maxDiff = 0;
      got.forEach((v, k) => {
        maxDiff = Math.max(maxDiff, Math.abs(v - want[k]));
      });
      assert.ok(maxDiff < 1e-5, `max |diff| ${maxDiff}`);
      // The two windows embed differently, so a head-only (single-window) result would fail the check above.
      assert.ok(perWindow[0].some((v, k) => Math.abs(v - perWindow[1][k]) > 1e-3));
    } finally {
      await prog.dispose();
    }
  } finally {
    await emb.program.dispose();
  }
});

test('embeddings baseline: a model folder that does not exist is a clear error', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-embhf-'));
  await assert.rejects(
    runEmbeddingBaseline({ kind: 'embeddings', model: join(root, 'no-such-model'), trainFile: 'test/fixtures/host/tiny-train.jsonl', runsRoot: root }),
    (err: Error) => !err.message.includes('\n') && /no-such-model/.test(err.message),
  );
});
