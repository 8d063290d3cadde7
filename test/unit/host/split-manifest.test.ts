// Every run of split data keeps the split it was judged on: split.json in the run folder is the data module's
// manifest (ids per split + checksum), it validates against the dataset, and its hash is the run's split hash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTfidfBaseline } from '../../../src/host/jobs';
import { readRun } from '../../../src/host/runs';
import { loadDataset, loadSplitManifest } from '../../../src/host/data';

const TRAIN = 'test/fixtures/host/tiny-train.jsonl';

test('a baseline run on a split file saves split.json matching run.json and the dataset', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-split-'));
  const r = await runTfidfBaseline({ kind: 'tfidf', data: TRAIN, split: { validation: 0.2, test: 0.2, seed: 7 }, runsRoot: root, C: 10 }, {});
  assert.equal(r.status, 'completed', r.error);
  const path = join(r.runDir, 'split.json');
  assert.ok(existsSync(path), 'split.json written');
  const { dataset } = loadDataset(TRAIN);
  const m = loadSplitManifest(path, dataset);
  const d = readRun(r.runDir);
  assert.equal(m.sha256, d.manifest.dataset!.splitHash);
  assert.equal(m.seed, 7);
  const ids = (name: 'train' | 'validation' | 'test') => m.ids[name];
  assert.equal(ids('test').length, d.manifest.dataset!.sizes!.test);
  assert.deepEqual(new Set(d.predictions.map((p) => p.id)), new Set(ids('test')), 'predictions cover exactly the manifest test ids');
  assert.match(readFileSync(path, 'utf8'), /"datasetHash"/);
});

test('a run on explicit train/eval files has no split to save', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-split-'));
  const r = await runTfidfBaseline({ kind: 'tfidf', trainFile: TRAIN, evalFile: 'test/fixtures/host/tiny-eval.jsonl', runsRoot: root, C: 10 }, {});
  assert.equal(r.status, 'completed', r.error);
  assert.equal(existsSync(join(r.runDir, 'split.json')), false);
});
