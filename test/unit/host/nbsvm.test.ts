// The NBSVM-style baseline: the NB log-count ratio from its formula, binarised features, the run (predict, eval,
// ensemble from the saved model), and the refusal of more than two labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fitLogReg,
  fitTransformNbsvm,
  loadLogReg,
  loadNbsvm,
  logCountRatio,
  predictProba,
  saveLogReg,
  saveNbsvm,
  tokenize,
  transformNbsvm,
  type Csr,
} from '../../../src/host/baselines';
import { crossValidate, evaluateRun, predictTexts, runEnsemble, runNbsvmBaseline, runTfidfBaseline } from '../../../src/host/jobs';
import { readRun } from '../../../src/host/runs';

const tmp = () => mkdtempSync(join(tmpdir(), 'gft-nbsvm-'));
const TRAIN = 'test/fixtures/host/tiny-train.jsonl';
const EVAL = 'test/fixtures/host/tiny-eval.jsonl';
const close = (a: number, b: number, tol = 1e-12) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
const row = (x: Csr, i: number) => {
  const out = new Map<number, number>();
  for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) out.set(x.indices[p], x.values[p]);
  return out;
};

// 'good' twice in one text: binarised, it counts once.
const TEXTS = ['good good movie', 'good plot', 'bad movie', 'bad bad plot', 'movie plot'];
const LABELS = [1, 1, 0, 0, 1];

test('the log-count ratio follows r = log((p/|p|1) / (q/|q|1)), p and q = alpha + binary counts per class', () => {
  for (const alpha of [1, 0.5]) {
    const { model, x } = fitTransformNbsvm(TEXTS, LABELS, { minDf: 1, maxN: 1, alpha });
    assert.deepEqual(model.vocabulary, ['bad', 'good', 'movie', 'plot']);
    // p, q from the formula: alpha + the number of texts of each class that contain the word (at least once).
    const p = model.vocabulary.map((w) => alpha + TEXTS.filter((t, i) => LABELS[i] === 1 && tokenize(t).includes(w)).length);
    const q = model.vocabulary.map((w) => alpha + TEXTS.filter((t, i) => LABELS[i] === 0 && tokenize(t).includes(w)).length);
    const sp = p.reduce((a, b) => a + b, 0);
    const sq = q.reduce((a, b) => a + b, 0);
    const expected = p.map((pj, j) => Math.log(pj / sp / (q[j] / sq)));
    expected.forEach((r, j) => assert.ok(close(model.r[j], r), `${model.vocabulary[j]}: ${model.r[j]} vs ${r}`));
    // By hand for alpha 1: p = 1 + [0, 2, 2, 2] (sum 10), q = 1 + [2, 0, 1, 1] (sum 8).
    if (alpha === 1) assert.ok(close(model.r[1], Math.log(3 / 10 / (1 / 8))) && close(model.r[0], Math.log(1 / 10 / (3 / 8))));
    assert.ok(model.r[1] > 0 && model.r[0] < 0, 'good leans positive, bad negative');
    // The rows are r ∘ x with binary x: 'good good movie' holds r_good once, not twice.
    assert.deepEqual(
      [...row(x, 0)].map(([j, v]) => [j, v]),
      [
        [1, Math.fround(model.r[1])],
        [2, Math.fround(model.r[2])],
      ],
    );
    assert.equal(model.alpha, alpha);
  }
  // logCountRatio on its own: the same r from the binary rows; a third class is refused.
  const bin: Csr = { rows: 2, cols: 2, indptr: Int32Array.from([0, 1, 2]), indices: Int32Array.from([0, 1]), values: Float32Array.from([1, 1]) };
  const r = logCountRatio(bin, [1, 0]);
  assert.ok(close(r[0], Math.log(2 / 3 / (1 / 3))) && close(r[1], -r[0]));
  assert.throws(() => logCountRatio(bin, [1, 2]), /label 2 of row 1 is not 0 or 1/);
});

test('row L2 normalisation (optional) and transform of new texts over the fitted vocabulary', () => {
  const { model, x } = fitTransformNbsvm(TEXTS, LABELS, { minDf: 1, l2: true });
  for (let i = 0; i < x.rows; i++) {
    const norm = Math.hypot(...row(x, i).values());
    assert.ok(Math.abs(norm - 1) < 1e-6, `row ${i} norm ${norm}`);
  }
  const again = transformNbsvm(model, TEXTS);
  assert.deepEqual(again.indices, x.indices);
  assert.deepEqual(again.values, x.values);
  const unseen = transformNbsvm(model, ['good unseenword', 'nothing known here']);
  assert.deepEqual([...row(unseen, 0).keys()], [model.vocabulary.indexOf('good')]);
  assert.equal(unseen.indptr[2] - unseen.indptr[1], 0);
});

test('a saved and reloaded NB model + logistic regression predicts the same probabilities', async () => {
  const lines = readFileSync(TRAIN, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { text: string; label: string });
  const texts = lines.map((l) => l.text);
  const y = lines.map((l) => (l.label === 'pos' ? 1 : 0));
  const { model, x } = fitTransformNbsvm(texts, y);
  const lr = await fitLogReg(x, y, 2, { C: 1 });
  const dir = tmp();
  saveNbsvm(dir, model);
  saveLogReg(dir, lr, { labels: ['neg', 'pos'] });
  const nb2 = loadNbsvm(dir);
  const lr2 = loadLogReg(dir);
  const probe = ['a brilliant and moving film', 'dull boring mess', ...texts.slice(0, 5)];
  assert.deepEqual(predictProba(lr2, transformNbsvm(nb2, probe)), predictProba(lr, transformNbsvm(model, probe)));
  assert.deepEqual(nb2.r, model.r);
  assert.deepEqual(nb2.vocabulary, model.vocabulary);
});

test('nbsvm baseline run: beats chance on a separable set; predict, eval and ensemble read its saved model', async () => {
  const root = tmp();
  const r = await runNbsvmBaseline({ kind: 'nbsvm', trainFile: TRAIN, evalFile: EVAL, runsRoot: root, runId: 'nb' });
  assert.equal(r.status, 'completed', r.error);
  const d = readRun(r.runDir);
  assert.equal(d.manifest.kind, 'baseline-nbsvm');
  assert.ok([1, 10, 100].includes(d.manifest.config.C as number), 'C chosen on validation from the tfidf grid');
  assert.equal(d.manifest.config.norm, 'none');
  assert.ok(d.manifest.test!.accuracy >= 0.9, `test accuracy ${d.manifest.test!.accuracy} on 20 separable reviews (chance 0.5)`);
  // The reloaded predictor gives the probabilities the run wrote (rounded to 1e-6 there).
  const testTexts = readFileSync(EVAL, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; text: string });
  const byId = new Map(testTexts.map((t) => [t.id, t.text]));
  const written = d.predictions;
  const pred = await predictTexts(
    r.runDir,
    written.map((p) => byId.get(p.id)!),
  );
  written.forEach((p, i) => p.probs.forEach((v, c) => assert.ok(Math.abs(pred.predictions[i].probs[c] - v) <= 1e-6, `${p.id} class ${c}`)));
  const ev = await evaluateRun(r.runDir, EVAL);
  assert.equal(ev.accuracy, d.manifest.test!.accuracy);
  // An ensemble needs runs of one split with a validation set of its own (--data): both baselines on one file.
  const all = join(root, 'all.jsonl');
  writeFileSync(all, readFileSync(TRAIN, 'utf8') + readFileSync(EVAL, 'utf8'));
  const nb = await runNbsvmBaseline({ kind: 'nbsvm', data: all, runsRoot: root, runId: 'nb-all' });
  const tf = await runTfidfBaseline({ kind: 'tfidf', data: all, runsRoot: root, runId: 'tf-all', C: 10 });
  const ens = await runEnsemble({ runs: [nb.runDir, tf.runDir], runsRoot: root, runId: 'ens' });
  assert.equal(ens.status, 'completed', ens.error);
  const members = readRun(ens.runDir).manifest.config.members as { kind: string }[];
  assert.deepEqual(
    members.map((m) => m.kind),
    ['baseline-nbsvm', 'baseline-tfidf'],
  );
});

test('more than two labels: a one-line error naming the fix, before any run or cv folder is made', async () => {
  const root = tmp();
  const file = join(root, 'three.jsonl');
  const words = { a: 'apple', b: 'banana', c: 'cherry' } as const;
  const rows: string[] = [];
  for (let i = 0; i < 30; i++) {
    const label = (['a', 'b', 'c'] as const)[i % 3];
    rows.push(JSON.stringify({ id: `t${i}`, text: `${words[label]} text number ${i} ${words[label]} again`, label }));
  }
  writeFileSync(file, rows.join('\n') + '\n');
  const runs = join(root, 'runs');
  const oneLine = (e: Error) => !e.message.includes('\n') && /needs exactly 2 labels, but the data has 3 .*use --kind tfidf/.test(e.message);
  await assert.rejects(runNbsvmBaseline({ kind: 'nbsvm', data: file, runsRoot: runs }), oneLine);
  assert.ok(!existsSync(runs) || readdirSync(runs).length === 0, 'no run folder');
  const cvDir = join(root, 'cv');
  await assert.rejects(crossValidate({ kind: 'nbsvm', data: file, folds: 3, dir: cvDir }), oneLine);
  assert.ok(!existsSync(cvDir), 'no cv folder');
});
