// Frozen starter-model embeddings + logistic regression as a run, on the tiny fixture (fast), and predicting
// from the saved run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { predictTexts, runEmbeddingBaseline } from '../../../src/host/jobs';
import { readRun } from '../../../src/host/runs';

test('embeddings baseline: run folder, metrics, predictions; predict from the run', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-emb-'));
  const phases = new Set<string>();
  const r = await runEmbeddingBaseline(
    {
      kind: 'embeddings',
      model: 'starter',
      trainFile: 'test/fixtures/host/tiny-train.jsonl',
      evalFile: 'test/fixtures/host/tiny-eval.jsonl',
      runsRoot: root,
      C: 10,
    },
    { progress: (p) => phases.add(p.phase) },
  );
  assert.equal(r.status, 'completed', r.error);
  assert.ok(phases.has('features') && phases.has('training'));
  const d = readRun(r.runDir);
  assert.equal(d.manifest.kind, 'baseline-embeddings');
  assert.equal(d.manifest.config.pooling, 'sentences');
  assert.equal(d.predictions.length, 20);
  // Sentiment words in 7-word texts: sentence embeddings separate them well above chance.
  assert.ok(r.test!.accuracy >= 0.8, `accuracy ${r.test!.accuracy}`);
  const p = await predictTexts(r.runDir, ['a brilliant, wonderful and moving film', 'a dull, boring, terrible mess']);
  assert.deepEqual(
    p.predictions.map((x) => x.label),
    ['pos', 'neg'],
  );
});
