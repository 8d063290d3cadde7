// The comparison report from run folders: accuracies with CIs, pairwise significance, confidently wrong examples,
// and the limits-in-production section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTfidfBaseline } from '../../../src/host/jobs';
import { buildReport, reportMarkdown } from '../../../src/host/report/report';
import { RunFolder } from '../../../src/host/runs';
import { importDataset } from '../../../src/host/data';
import { buildLimits, limitsMarkdown, truncationStats } from '../../../src/host/report/limits';
import { runFinetune } from '../../../src/host/train';
import { starterTokenizer } from '../../../src/host/train/model';
import { readRun } from '../../../src/host/runs';
import { mulberry32 } from '../../../src/shared/prng';
import type { TextTokenizer } from '../../../src/host/tokenize';

test('report: table, comparisons and most confidently wrong examples', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-report-'));
  const src = { kind: 'tfidf' as const, trainFile: 'test/fixtures/host/tiny-train.jsonl', evalFile: 'test/fixtures/host/tiny-eval.jsonl', runsRoot: root };
  const good = await runTfidfBaseline({ ...src, runId: 'good', C: 10 });
  // A deliberately weak model: its predictions replaced by "always pos" with confidence 0.9.
  const weak = await runTfidfBaseline({ ...src, runId: 'weak', C: 10 });
  const wr = RunFolder.open(weak.runDir);
  wr.writePredictions(wr.readPredictions().map((p) => ({ ...p, pred: 1, probs: [0.1, 0.9] })));
  const texts = new Map(importDataset('test/fixtures/host/tiny-eval.jsonl').dataset.examples.map((e) => [e.id, e.text]));
  const r = buildReport(
    [
      { title: 'Good', runDir: good.runDir },
      { title: 'Always pos', runDir: weak.runDir },
    ],
    texts,
    ['a note'],
  );
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

// "Limits in production" (src/host/report/limits.ts) on a tiny fine-tuned starter run (sentence-mean).
const NEUTRAL = [
  'the film runs two hours',
  'it was shot in new york',
  'the cast includes several actors',
  'the plot follows a family',
  'music plays in many scenes',
];
const POS = ['a brilliant and moving film', 'wonderful acting and a great story', 'i loved every minute of it'];
const NEG = ['a dull and boring mess', 'terrible acting and an awful story', 'i hated every minute of it'];
function reviews(n: number, seed: number): { id: string; text: string; label: string }[] {
  const rnd = mulberry32(seed);
  const pick = (xs: string[]) => xs[Math.floor(rnd() * xs.length)];
  return Array.from({ length: n }, (_, i) => {
    const sents = Array.from({ length: 2 + Math.floor(rnd() * 4) }, () => pick(NEUTRAL));
    sents.splice(Math.floor(rnd() * sents.length), 0, pick(i % 2 ? POS : NEG));
    return { id: `s${seed}-${i}`, text: sents.join('\n'), label: i % 2 ? 'pos' : 'neg' };
  });
}

test('truncationStats: share of texts over the limit and tokens dropped, per strategy', () => {
  const tok: TextTokenizer = {
    name: 'words',
    specials: { prefix: [1], suffix: [2], pad: 0 },
    usesTokenTypeIds: false,
    modelMaxLength: 8,
    encode: (t) =>
      t
        .split(/\s+/)
        .filter(Boolean)
        .map((w) => w.length + 3),
  };
  const texts = ['a b c d e f g h i j', 'a b c d'];
  // 10 and 4 words; a window of 8 holds 6 words
  const head = truncationStats(tok, texts, { strategy: 'head', maxLength: 8, modelLimit: 8 });
  assert.equal(head.longerThanLimit, 0.5);
  assert.ok(Math.abs(head.droppedShare - 0.2) < 1e-12, `${head.droppedShare}`); // (4/10 + 0) / 2
  assert.ok(Math.abs(head.firstWindowDroppedShare - 0.2) < 1e-12);
  assert.equal(head.meanTokens, 7);
  assert.equal(truncationStats(tok, texts, { strategy: 'chunks', maxLength: 8, modelLimit: 8 }).droppedShare, 0);
  // pieces of 4 tokens (2 words): 'head' keeps 2 of 10 and 2 of 4 words
  assert.ok(Math.abs(truncationStats(tok, texts, { strategy: 'tail', maxLength: 4, modelLimit: 8 }).droppedShare - (0.8 + 0.5) / 2) < 1e-12);
  // sentence-mean reads every sentence, split into pieces
  const sm = truncationStats(tok, ['a b c. d e f g h i j k l m n.', 'a b.'], { strategy: 'sentence-mean', maxLength: 4, modelLimit: 8 });
  assert.equal(sm.droppedShare, 0);
  assert.equal(sm.longerThanLimit, 0.5);
});

test('limits in production: truncation, domain shift, serving of the exported run, calibration (tiny run)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-limits-'));
  try {
    const write = (p: string, rows: object[]) => writeFileSync(p, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    write(join(root, 'train.jsonl'), reviews(32, 1));
    const test = reviews(12, 2);
    write(join(root, 'eval.jsonl'), test);
    const r = await runFinetune({
      model: 'starter',
      trainFile: join(root, 'train.jsonl'),
      evalFile: join(root, 'eval.jsonl'),
      runsRoot: root,
      runId: 'ft',
      config: {
        epochs: 3,
        batchSize: 8,
        lr: 3e-4,
        longText: 'sentence-mean',
        docPieces: 3,
        trainLayers: { top: 1 },
        seed: 3,
        schedule: 'constant',
        maxLength: 16,
      },
    });
    assert.equal(r.status, 'completed', r.error);
    const texts = new Map(test.map((e) => [e.id, e.text]));
    const tok = starterTokenizer().tokenizer;
    const l = await buildLimits({ title: 'Tiny', runDir: r.runDir, texts, tokenizer: tok, modelLimit: 24, exportDir: join(root, 'export'), timed: 4 });

    // truncation, against the token counts of the texts themselves
    const counts = test.map((e) => tok.encode(e.text).length);
    const t = l.truncation!;
    assert.equal(t.n, 12);
    assert.equal(t.strategy, 'sentence-mean');
    assert.equal(t.maxLength, 16);
    assert.equal(t.longerThanLimit, counts.filter((n) => n > 24).length / 12);
    assert.ok(t.longerThanLimit > 0 && t.longerThanLimit < 1, 'some texts exceed the limit, some do not');
    assert.ok(Math.abs(t.firstWindowDroppedShare - counts.reduce((a, n) => a + Math.max(0, n - 24) / n, 0) / 12) < 1e-12);
    assert.equal(t.droppedShare, 0, 'sentence-mean reads every sentence');

    // domain shift was not measured: the report says so and gives the command
    assert.equal(l.domainShift.measured, false);
    assert.match(l.domainShift.command!, new RegExp(`^gft eval --run ${r.runDir} --data `));

    // serving: the exported model reproduces the run; sizes are the files'; latencies are ordered
    const s = l.serving!;
    assert.ok(s, l.servingError);
    assert.ok(s.fp32VsRun <= 1e-4, `fp32 export vs run ${s.fp32VsRun}`);
    assert.equal(s.fp32.bytes, statSync(join(root, 'export', 'onnx/model.onnx')).size);
    assert.equal(s.int8!.bytes, statSync(join(root, 'export', 'onnx/model_quantized.onnx')).size);
    assert.ok(s.int8!.bytes < s.fp32.bytes / 1.5);
    for (const x of [s.fp32, s.int8!]) assert.ok(x.p50Ms > 0 && x.p50Ms <= x.p95Ms && x.throughput32 > 0, JSON.stringify(x));
    const c = s.int8Check!;
    const preds = readRun(r.runDir).predictions;
    assert.equal(c.n, 12);
    assert.equal(c.accuracyFp32, r.test!.accuracy);
    assert.ok(c.agreement >= 0 && c.agreement <= 1);
    // the check is recorded in the export folder
    assert.deepEqual(JSON.parse(readFileSync(join(root, 'export', 'gft_export.json'), 'utf8')).check, c);
    assert.match(readFileSync(join(root, 'export', 'README.md'), 'utf8'), /int8 vs fp32 on 12 labelled test texts/);

    // calibration = the run's own test ECE; bins hold every test review
    assert.ok(Math.abs(l.calibration.ece - r.test!.ece) < 1e-4, `${l.calibration.ece} vs ${r.test!.ece}`);
    assert.equal(
      l.calibration.reliability.reduce((a, b) => a + b.count, 0),
      preds.length,
    );

    const md = reportMarkdown(buildReport([{ title: 'Tiny', runDir: r.runDir }], texts, [], l));
    assert.match(md, /## Limits in production/);
    assert.match(md, new RegExp(`\\*\\*${(100 * t.longerThanLimit).toFixed(1)}%\\*\\* of the 12 are longer than one window`));
    assert.match(md, /Domain shift\n\nNot measured: .*`gft eval --run /);
    assert.match(md, /\| int8 \| [\d.]+ MiB \| \d+ ms \| \d+ ms \| [\d.]+ reviews\/s \|/);
    assert.match(md, new RegExp(`Expected calibration error \\*\\*${l.calibration.ece.toFixed(3)}\\*\\*`));
    // a measured out-of-domain accuracy is reported instead of the command
    const ood = await buildLimits({ title: 'Tiny', runDir: r.runDir, texts, outOfDomain: { data: 'tweets.csv', n: 50, accuracy: 0.62 } });
    assert.match(limitsMarkdown(ood).join('\n'), /Out-of-domain accuracy on tweets.csv \(50 texts\): \*\*62\.0%\*\*/);
    assert.equal(ood.serving, undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
