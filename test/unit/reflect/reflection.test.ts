// The reflection written from real run folders: a real TF-IDF baseline run plus runs written with the host's own
// RunFolder writers (fine-tuning, frozen embeddings, a run on another split, a failed run) on a synthetic dataset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareData, DEFAULT_SPLIT } from '../../../src/host/core';
import { compareRuns } from '../../../src/host/jobs/compare';
import { evaluateRun, runTfidfBaseline } from '../../../src/host/jobs';
import { evaluatePredictions } from '../../../src/host/eval';
import { RunFolder } from '../../../src/host/runs';
import { starterTokenizer } from '../../../src/host/train/model';
import { truncationStats } from '../../../src/host/report/limits';
import { analyzeErrors, buildReflection, comparisonSentence, joinPredictions, reflectionMarkdown, writeReflection } from '../../../src/host/reflect';
import type { DatasetRef, MetricRecord, PredictionRecord, RunKind } from '../../../src/protocol';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const POS = ['good', 'great', 'fun', 'moving', 'brilliant'];
const NEG = ['bad', 'dull', 'boring', 'awful', 'mess'];
const FILL = ['the', 'film', 'plot', 'actor', 'scene', 'story', 'music', 'was', 'and', 'it'];

/** 500 reviews, 5-60 words; a fixed share of sentiment words points the wrong way, so TF-IDF makes mistakes. */
function writeDataset(path: string, n = 500, seed = 1): void {
  let s = seed;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const pos = i % 2 === 0;
    const len = 5 + ((i * 7) % 56);
    const ws: string[] = [];
    const misleading = rnd() < 0.3;
    for (let k = 0; k < len; k++) {
      if (k % 4 === 0) ws.push((pos !== misleading ? POS : NEG)[Math.floor(rnd() * 5)]);
      else ws.push(FILL[Math.floor(rnd() * FILL.length)]);
    }
    if (i % 5 === 0) ws.push('not', 'never');
    lines.push(JSON.stringify({ id: `r${i}`, text: ws.join(' '), label: pos ? 'pos' : 'neg' }));
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

const probsOf = (pred: number, conf: number) => (pred === 1 ? [1 - conf, conf] : [conf, 1 - conf]);

function writeRun(
  root: string,
  id: string,
  kind: RunKind,
  ref: DatasetRef,
  preds: PredictionRecord[],
  extra: { config?: Record<string, unknown>; model?: string; metrics?: MetricRecord[] } = {},
): string {
  const run = RunFolder.create(root, {
    id,
    kind,
    config: extra.config ?? {},
    dataset: ref,
    model: extra.model ? { id: extra.model } : undefined,
    seed: 42,
    packages: {},
    device: 'cpu: test',
  });
  for (const m of extra.metrics ?? []) run.metric(m);
  run.writePredictions(preds);
  const test = evaluatePredictions(
    preds.map((p) => p.label),
    preds.map((p) => p.probs),
    { labelNames: ref.labels },
  );
  run.finish('completed', { test });
  return run.dir;
}

test('reflection: accuracies with CIs, significance wording, patterns, learning curve, truncation, latency, exclusions', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-reflect-'));
  const root = join(dir, 'runs');
  const data = join(dir, 'reviews.jsonl');
  writeDataset(data);
  const ood = join(dir, 'ood.jsonl');
  writeDataset(ood, 60, 99);

  // A: a real TF-IDF baseline run (real predictor, real predictions).
  const a = await runTfidfBaseline({ kind: 'tfidf', data, runsRoot: root, runId: 'a-tfidf', C: 10 });
  assert.equal(a.status, 'completed', a.error);
  const prepared = prepareData({ data });
  const ref = prepared.ref;
  const aPreds = RunFolder.open(a.runDir).readPredictions();
  const aWrong = aPreds.filter((p) => p.pred !== p.label);
  assert.ok(aWrong.length >= 15, `the synthetic set must give TF-IDF some mistakes (got ${aWrong.length})`);

  // B: "fine-tuned": right wherever A is right, and fixes all but 3 of A's mistakes -> significantly better.
  const keepWrong = new Set(aWrong.slice(0, 3).map((p) => p.id));
  const bPreds = aPreds.map((p) => {
    const pred = keepWrong.has(p.id) ? 1 - p.label : p.label;
    return { id: p.id, label: p.label, pred, probs: probsOf(pred, 0.9), split: 'test' };
  });
  const metrics: MetricRecord[] = [];
  for (let step = 1; step <= 20; step++)
    metrics.push({ type: 'step', step, epoch: step / 10, loss: 0.7 - step * 0.02, lr: 5e-5, step_ms: 10, time: new Date().toISOString() });
  metrics.splice(10, 0, {
    type: 'eval',
    step: 10,
    epoch: 1,
    split: 'validation',
    metrics: { accuracy: 0.8, macroF1: 0.8, rocAuc: 0.85, logLoss: 0.6, ece: 0.05, loss: 0.6 },
    time: new Date().toISOString(),
  });
  metrics.push({
    type: 'eval',
    step: 20,
    epoch: 2,
    split: 'validation',
    metrics: { accuracy: 0.85, macroF1: 0.85, rocAuc: 0.9, logLoss: 0.5, ece: 0.04, loss: 0.5 },
    time: new Date().toISOString(),
  });
  const bDir = writeRun(root, 'b-finetune', 'finetune', ref, bPreds, {
    model: 'starter',
    metrics,
    config: { maxLength: 16, longText: 'head', epochs: 2, lr: 5e-5, trainLayers: 'all', data: { data, split: DEFAULT_SPLIT, model: 'starter' } },
  });
  // C: frozen embeddings, B with two more mistakes and one fewer -> not significantly different from B.
  let flipped = 0;
  const cPreds = bPreds.map((p) => {
    let pred = p.pred;
    if (keepWrong.has(p.id) && flipped === 0) {
      pred = p.label;
      flipped++;
    } else if (p.pred === p.label && flipped > 0 && flipped < 3) {
      pred = 1 - p.label;
      flipped++;
    }
    return { ...p, pred, probs: probsOf(pred, 0.7) };
  });
  const cDir = writeRun(root, 'c-embeddings', 'baseline-embeddings', ref, cPreds, { config: { pooling: 'sentences' } });
  writeFileSync(join(cDir, 'benchmark.json'), JSON.stringify({ msPerReview: 12.5, reviews: 20, how: 'export benchmark, batch 1' }));
  // D: another split of the same data; E: a failed run.
  const other = prepareData({ data, split: { validation: 0.1, test: 0.2, seed: 7 } });
  assert.notEqual(other.ref.splitHash, ref.splitHash);
  writeRun(
    root,
    'd-other-split',
    'baseline-tfidf',
    other.ref,
    other.test.map((e) => ({ id: e.id, label: e.label, pred: e.label, probs: probsOf(e.label, 0.99), split: 'test' })),
  );
  RunFolder.create(root, { id: 'e-failed', kind: 'finetune', config: {}, dataset: ref, seed: 1, packages: {}, device: 'cpu' }).fail(new Error('boom'));

  const facts = await buildReflection(root, { outOfDomain: ood, latencyReviews: 3 });
  const md = reflectionMarkdown(facts);
  assert.deepEqual(
    facts.runs.map((r) => r.id),
    ['a-tfidf', 'b-finetune', 'c-embeddings'],
  );
  assert.equal(facts.splitHash, ref.splitHash);
  assert.doesNotMatch(md, /NaN|undefined|Infinity/);

  // accuracies and CIs exactly as the runs recorded them
  for (const id of ['a-tfidf', 'b-finetune', 'c-embeddings']) {
    const t = RunFolder.open(join(root, id)).manifest.test!;
    assert.ok(md.includes(`| ${pct(t.accuracy)} | ${pct(t.accuracyCI[0])} – ${pct(t.accuracyCI[1])} |`), `${id} accuracy row`);
  }
  // paired comparisons and their wording
  const ba = compareRuns(a.runDir, bDir, 0);
  assert.ok(ba.mcnemarP < 1e-3);
  assert.equal(facts.comparisons.length, 2);
  const sentBA = comparisonSentence(facts.comparisons.find((c) => c.aId === 'a-tfidf')!);
  assert.ok(md.includes(sentBA));
  assert.ok(sentBA.includes(`difference +${(100 * ba.difference).toFixed(1)} points`));
  assert.match(sentBA, /significant at the 5% level: \*\*Fine-tuned starter is better\*\*/);
  const sentBC = comparisonSentence(facts.comparisons.find((c) => c.aId === 'c-embeddings')!);
  assert.match(sentBC, /\*\*not significant\*\*/);
  assert.match(sentBC, /on 3 reviews where exactly one is right/);
  assert.match(
    md,
    /\*\*Answer for Fine-tuned starter: partly\*\* — it is significantly better than TF-IDF \+ logistic regression; not significantly different from Frozen embeddings/,
  );

  // exclusions
  assert.match(md, /`d-other-split` \(baseline-tfidf, completed\): different test split/);
  assert.match(md, /`e-failed` \(finetune, failed\): status failed/);

  // error patterns: the same sentences analyzeErrors gives for the runs' joined test texts
  const texts = new Map(prepared.test.map((e) => [e.id, e.text]));
  const bPatterns = analyzeErrors(joinPredictions(bPreds, texts).examples, { labels: ref.labels });
  for (const t of bPatterns.tests) assert.ok(md.includes(t.sentence), t.key);
  assert.ok(md.includes(`### Fine-tuned starter: 3 mistakes in ${bPreds.length} test reviews`));
  assert.match(md, /test texts from --data /);
  // length quarters side by side: the same numbers as each run's own pattern analysis
  const aPatterns = analyzeErrors(joinPredictions(aPreds, texts).examples, { labels: ref.labels });
  const cPatterns = analyzeErrors(joinPredictions(cPreds, texts).examples, { labels: ref.labels });
  assert.ok(md.includes('| Words | Reviews | TF-IDF + logistic regression | Fine-tuned starter | Frozen embeddings + logistic regression |'));
  aPatterns.lengthBuckets.forEach((bk, i) => {
    const cell = (p: typeof aPatterns) => `${pct(p.lengthBuckets[i].errorRate)} (${p.lengthBuckets[i].errors})`;
    assert.ok(md.includes(`| ${bk.minWords}–${bk.maxWords} | ${bk.n} | ${cell(aPatterns)} | ${cell(bPatterns)} | ${cell(cPatterns)} |`), `length row ${i}`);
  });
  assert.equal(
    aPatterns.lengthBuckets.reduce((s, bk) => s + bk.errors, 0),
    aWrong.length,
  );

  // learning curve: validation loss fell at every evaluation
  assert.match(
    md,
    /validation loss 0\.600 \(step 10\), 0\.500 \(step 20\)\. Training loss went from 0\.670 .* to 0\.310 .*\*\*still falling\*\*.*`--epochs 4`/,
  );

  // truncation measured with the starter model's tokenizer on the test texts, for the head strategy the run used
  const tok = starterTokenizer().tokenizer;
  const ts = truncationStats(
    tok,
    prepared.test.map((e) => e.text),
    { strategy: 'head', maxLength: 16, modelLimit: 16 },
  );
  assert.ok(ts.longerThanLimit > 0.1 && ts.droppedShare > 0.05);
  assert.ok(md.includes(`${pct(ts.longerThanLimit)} of the ${ts.n} test reviews are longer than one 16-token window`));
  assert.ok(md.includes(`with the head strategy it reads one window, which leaves on average ${pct(ts.droppedShare)} of a review's tokens unread`));
  assert.ok(
    md.includes(
      `on average ${pct(ts.droppedShare)} of a review's tokens go unread. Try \`--long-text chunks\` (every window, predictions averaged) or \`--long-text head+tail\``,
    ),
  );
  assert.match(md, /\| Fine-tuned starter \| starter \| [^|]+ \| [^|]+ \| [^|]+ \| [^|]+ \| only the first 16 tokens of each review \|/);
  assert.ok(md.includes(`on average ${pct(ts.droppedShare)} of a test review's tokens are never seen`));

  // production table: latency measured for the real run, read from benchmark.json, or not measured
  const rowA = md.split('\n').find((l) => l.startsWith('| TF-IDF + logistic regression |') && l.includes(' ms |'))!;
  assert.ok(rowA, 'TF-IDF production row with a latency');
  const latA = facts.runs[0].latency;
  assert.ok('msPerReview' in latA && latA.msPerReview > 0 && latA.reviews === 3);
  assert.match(md, /\| Frozen embeddings \+ logistic regression \| [^|]+ \| 12\.5 ms \|/);
  assert.match(md, /Frozen embeddings \+ logistic regression: latency is the export benchmark, batch 1 \(from benchmark\.json\)/);
  assert.match(md, /Fine-tuned starter: CPU latency not measured \(run b-finetune has no checkpoints\/best folder/);
  // out-of-domain: measured for the run that can predict, failure stated for the others
  const oodA = await evaluateRun(a.runDir, ood, 0);
  assert.ok(rowA.includes(`| ${pct(oodA.accuracy)} (`) && rowA.includes(`n = ${oodA.n})`));
  assert.match(md, /Fine-tuned starter: out-of-domain evaluation failed/);
  // calibration
  assert.ok(md.includes(`| Fine-tuned starter | not measured | not measured | 16 tokens (head) | ${facts.runs[1].test.ece.toFixed(3)} |`));

  // the convenience wrapper gives the same document apart from its time stamp
  const again = await writeReflection(root, { outOfDomain: ood, latencyReviews: 3, measureLatency: false });
  assert.match(again, /CPU latency not measured \(latency measurement was turned off\)/);
});

test('reflection without a fine-tuning run or the data path: says what is missing and how to get it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-reflect-'));
  const root = join(dir, 'runs');
  const data = join(dir, 'reviews.jsonl');
  writeDataset(data, 200);
  const a = await runTfidfBaseline({ kind: 'tfidf', data, runsRoot: root, runId: 'only-tfidf', C: 10 });
  assert.equal(a.status, 'completed', a.error);
  // a baseline records where its data came from (config.data): its patterns are analysed without --data
  assert.match(await writeReflection(root, { measureLatency: false }), /### TF-IDF \+ logistic regression: \d+ mistakes in 40 test reviews/);
  // a run that does not record it (made before baselines did)
  const run = RunFolder.open(a.runDir);
  const { data: _recorded, ...config } = run.manifest.config;
  run.update({ config });
  const md = await writeReflection(root, { measureLatency: false });
  assert.match(md, /There is \*\*no completed fine-tuning run\*\* on this split/);
  assert.match(
    md,
    /Error patterns: not analysed — the runs do not record where their data came from\. Pass the data the runs used: `gft reflect --runs .* --data PATH`/,
  );
  assert.match(md, /Out-of-domain accuracy is not measured: evaluate on reviews from another source with `gft eval --run DIR --data PATH`/);
  // given the data, the same runs get their patterns
  const withData = await writeReflection(root, { measureLatency: false, source: { data } });
  assert.match(withData, /### TF-IDF \+ logistic regression: \d+ mistakes in 40 test reviews/);
  // the wrong data is refused rather than used
  const wrong = join(dir, 'other.jsonl');
  writeDataset(wrong, 200, 5);
  assert.match(
    await writeReflection(root, { measureLatency: false, source: { data: wrong } }),
    /Error patterns: not analysed — the texts of the test split were not found \(--data .*other\.jsonl gives another split/,
  );

  const empty = join(dir, 'empty');
  RunFolder.create(empty, { id: 'x', kind: 'finetune', config: {}, seed: 1, packages: {}, device: 'cpu' }).finish('cancelled');
  const none = await writeReflection(empty);
  assert.match(none, /\*\*No completed runs with test predictions were found\*\*/);
  assert.match(none, /`x` \(finetune, cancelled\): status cancelled/);
  await assert.rejects(writeReflection(join(dir, 'nope')), /^Error: runs folder .*nope not found; pass the folder that holds the run folders \(--runs DIR\)$/);
  await assert.rejects(writeReflection(root, { splitHash: 'deadbeef' }), /no completed run has split hash deadbeef/);
});

test('reflection: a fine-tuned run whose model is not on this machine gets its truncation stated as not measured, with the fix', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-reflect-'));
  const root = join(dir, 'runs');
  const data = join(dir, 'reviews.jsonl');
  writeDataset(data, 100);
  const p = prepareData({ data });
  const preds = p.test.map((e, i) => ({
    id: e.id,
    label: e.label,
    pred: i % 4 === 0 ? 1 - e.label : e.label,
    probs: probsOf(i % 4 === 0 ? 1 - e.label : e.label, 0.8),
    split: 'test',
  }));
  const missingModel = join(dir, 'no-such-model');
  writeRun(root, 'ft', 'finetune', p.ref, preds, {
    model: missingModel,
    config: { maxLength: 64, longText: 'tail', epochs: 1, data: { data, model: missingModel } },
  });
  const md = await writeReflection(root, { measureLatency: false });
  assert.match(
    md,
    /the share of reviews cut at its token limit is not measured — the run's tokenizer could not be loaded \(.+\); make the run's model folder \(or its hub cache\) available on this machine and run `gft reflect` again\./,
  );
  assert.match(md, /only the last 64 tokens of each review/);
  assert.match(md, /There is \*\*no earlier model\*\* \(baseline\) on this split to compare with/);
  // the run recorded its data file, so its patterns are analysed without --data
  assert.match(md, /### Fine-tuned .*no-such-model: 5 mistakes in 20 test reviews/);
});

test('reflection of a sentence-mean run: it reads every token, so no "never seen" share and no advice to switch to chunks; the same run read with head gets both', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-reflect-'));
  const root = join(dir, 'runs');
  const data = join(dir, 'reviews.jsonl');
  // sentences, so that sentence-mean has sentences to split
  writeDataset(data, 200);
  const p = prepareData({ data });
  const texts = p.test.map((e) => e.text);
  const preds = p.test.map((e, i) => ({
    id: e.id,
    label: e.label,
    pred: i % 5 === 0 ? 1 - e.label : e.label,
    probs: probsOf(i % 5 === 0 ? 1 - e.label : e.label, 0.8),
    split: 'test',
  }));
  const config = (longText: string) => ({ maxLength: 16, longText, epochs: 1, data: { data, split: DEFAULT_SPLIT, model: 'starter' } });
  writeRun(root, 'sm', 'finetune', p.ref, preds, { model: 'starter', config: config('sentence-mean') });
  const tok = starterTokenizer().tokenizer;
  const sm = truncationStats(tok, texts, { strategy: 'sentence-mean', maxLength: 16, modelLimit: 16 });
  assert.equal(sm.droppedShare, 0);
  assert.ok(sm.longerThanLimit > 0.3, `most test reviews are longer than one window (${sm.longerThanLimit})`);
  const md = await writeReflection(root, { measureLatency: false });
  assert.ok(md.includes(`${pct(sm.longerThanLimit)} of the ${sm.n} test reviews are longer than one 16-token window`), md);
  assert.match(md, /it reads every sentence \(in pieces of at most 16 tokens\), so no token goes unread/);
  assert.match(md, /already reads whole reviews \(`--long-text sentence-mean`/);
  for (const wrong of [/never seen/, /--long-text chunks/, /Read more of each review/, /unread\./, /one window keeps/]) assert.doesNotMatch(md, wrong);

  // The same predictions recorded as a head run: one window drops tokens, and the advice says what to try.
  const root2 = join(dir, 'runs-head');
  writeRun(root2, 'hd', 'finetune', p.ref, preds, { model: 'starter', config: config('head') });
  const hd = truncationStats(tok, texts, { strategy: 'head', maxLength: 16, modelLimit: 16 });
  assert.ok(hd.droppedShare > 0.05);
  const md2 = await writeReflection(root2, { measureLatency: false });
  assert.ok(md2.includes(`on average ${pct(hd.droppedShare)} of a test review's tokens are never seen`));
  assert.match(md2, /\*\*Read more of each review\.\*\* .* Try `--long-text chunks`/);
});

test("reflection advice names settings as the place it is read: the form's labels in the extension, flags in the CLI", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-reflect-'));
  const root = join(dir, 'runs');
  const data = join(dir, 'reviews.jsonl');
  writeDataset(data, 200);
  const p = prepareData({ data });
  const preds = p.test.map((e, i) => ({
    id: e.id,
    label: e.label,
    pred: i % 5 === 0 ? 1 - e.label : e.label,
    probs: probsOf(i % 5 === 0 ? 1 - e.label : e.label, 0.8),
    split: 'test',
  }));
  // one validation point: the curve advice asks for more evaluations
  const metrics: MetricRecord[] = [
    { type: 'step', step: 1, epoch: 0.5, loss: 0.7, lr: 5e-5, step_ms: 10, time: new Date().toISOString() },
    {
      type: 'eval',
      step: 1,
      epoch: 1,
      split: 'validation',
      metrics: { accuracy: 0.8, macroF1: 0.8, rocAuc: 0.85, logLoss: 0.6, ece: 0.05, loss: 0.6 },
      time: new Date().toISOString(),
    },
  ];
  writeRun(root, 'hd', 'finetune', p.ref, preds, {
    model: 'starter',
    metrics,
    config: { maxLength: 16, longText: 'head', epochs: 1, evalEvery: 'epoch', data: { data, split: DEFAULT_SPLIT, model: 'starter' } },
  });
  const cli = await writeReflection(root, { measureLatency: false });
  assert.match(cli, /Try `--long-text chunks` \(every window, predictions averaged\) or `--long-text head\+tail`/);
  assert.match(cli, /evaluate more often \(`--eval-every N`\)/);
  const form = await writeReflection(root, { measureLatency: false, settingsPlace: 'form' });
  assert.match(form, /Try “Long texts: All of it, in windows \(chunks\)” \(every window, predictions averaged\) or “Long texts: Beginning and end”/);
  assert.match(form, /train for more epochs \(“Epochs: 3”\): this run evaluated on the validation split once per epoch/);
  assert.match(form, /\*\*Try the Model on a Text\*\* uses the same predictor/);
  for (const flag of [/--long-text/, /--eval-every/, /--epochs/, /`gft /]) assert.doesNotMatch(form, flag);
  // the default schedule ('auto', or not recorded): what the run had room for
  const root2 = join(dir, 'runs-auto');
  writeRun(root2, 'auto', 'finetune', p.ref, preds, {
    model: 'starter',
    metrics,
    config: { maxLength: 16, longText: 'head', epochs: 1, evalEvery: 'auto', data: { data, split: DEFAULT_SPLIT, model: 'starter' } },
  });
  assert.match(
    await writeReflection(root2, { measureLatency: false, settingsPlace: 'form' }),
    /train longer \(“Epochs: 3”\): this run's 1 step had room for 1 validation evaluation/,
  );
});
