// The comparison report from run folders: accuracies with CIs, pairwise significance, confidently wrong examples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTfidfBaseline } from '../../../src/host/jobs';
import { buildReport, reportMarkdown } from '../../../src/host/report/report';
import { RunFolder } from '../../../src/host/runs';
import { importDataset } from '../../../src/host/data';

test('report: table, comparisons and most confidently wrong examples', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-report-'));
  const src = { kind: 'tfidf' as const, trainFile: 'test/fixtures/host/tiny-train.jsonl', evalFile: 'test/fixtures/host/tiny-eval.jsonl', runsRoot: root };
  const good = await runTfidfBaseline({ ...src, runId: 'good', C: 10 });
  // A deliberately weak model: its predictions replaced by "always pos" with confidence 0.9.
  const weak = await runTfidfBaseline({ ...src, runId: 'weak', C: 10 });
  const wr = RunFolder.open(weak.runDir);
  wr.writePredictions(wr.readPredictions().map((p) => ({ ...p, pred: 1, probs: [0.1, 0.9] })));
  const texts = new Map(importDataset('test/fixtures/host/tiny-eval.jsonl').dataset.examples.map((e) => [e.id, e.text]));
  const r = buildReport([{ title: 'Good', runDir: good.runDir }, { title: 'Always pos', runDir: weak.runDir }], texts, ['a note']);
  assert.equal(r.models.length, 2);
  assert.equal(r.models[0].accuracy, 1);
  assert.deepEqual(r.models[0].confidentlyWrong, []);
  assert.equal(r.models[1].confidentlyWrong.length, 3);
  const w = r.models[1].confidentlyWrong[0];
  assert.equal(w.label, 'neg');
  assert.equal(w.pred, 'pos');
  assert.equal(w.confidence, 0.9);
  assert.equal(w.excerpt, texts.get(w.id));
  assert.equal(r.comparisons.length, 1);
  const c = r.comparisons[0];
  assert.equal(c.onlyACorrect, 10);
  assert.equal(c.onlyBCorrect, 0);
  assert.ok(Math.abs(c.difference + 0.5) < 1e-12);
  assert.ok(c.mcnemarP < 0.01);
  const md = reportMarkdown(r);
  assert.match(md, /\| Good \| completed \| 100\.0% \|/);
  assert.match(md, /\| Good \| Always pos \| -50\.0% \|/);
  assert.match(md, /A better \(p < 0\.05\)/);
  assert.match(md, /### Always pos\n\n- `r\d+` — true \*\*neg\*\*, predicted \*\*pos\*\* with 90\.0%/);
  assert.match(md, /- a note/);
});
