// TF-IDF features and logistic regression against scikit-learn (fixture: scripts/make-tfidf-fixture.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { denseToCsr, engineObjective, fitLogReg, fitTfidf, lbfgs, predictProba, sparseObjective, tokenize, transformTfidf, type Csr } from '../../../src/host/baselines';
import { loadBuiltin } from '../../../src/host/data';

interface Small { texts: string[]; labels: number[]; nTrain: number; C: number; vocabulary: string[]; idf: number[]; testRows: number[][]; probs: number[][] }
const fx = JSON.parse(readFileSync('test/fixtures/baselines/sklearn-tfidf.json', 'utf8')) as {
  binary: Small; threeClass: Small; movieReviews: { C: number; numFeatures: number; nTest: number; accuracy: number; predictions: Record<string, number> };
};

const dense = (x: Csr, r: number) => {
  const row = new Array<number>(x.cols).fill(0);
  for (let p = x.indptr[r]; p < x.indptr[r + 1]; p++) row[x.indices[p]] = x.values[p];
  return row;
};

test('tokenizer follows (?u)\\b\\w\\w+\\b with lowercase', async () => {
  assert.deepEqual(tokenize("I don't like the Scène, e2e under_score x 42!"), ['don', 'like', 'the', 'scène', 'e2e', 'under_score', '42']);
  assert.deepEqual(tokenize('naïve café'), ['naïve', 'café']);
});

for (const name of ['binary', 'threeClass'] as const) {
  test(`features and logistic regression match scikit-learn: ${name}`, async () => {
    const c = fx[name];
    const train = c.texts.slice(0, c.nTrain);
    const test = c.texts.slice(c.nTrain);
    const model = fitTfidf(train);
    assert.deepEqual(model.vocabulary, c.vocabulary);
    c.idf.forEach((v, i) => assert.ok(Math.abs(model.idf[i] - v) < 1e-12, `idf ${i}`));
    const xTest = transformTfidf(model, test);
    c.testRows.forEach((row, r) => {
      const mine = dense(xTest, r);
      row.forEach((v, j) => assert.ok(Math.abs(mine[j] - v) < 1e-6, `row ${r} col ${j}: ${mine[j]} vs ${v}`));
    });
    const k = name === 'binary' ? 2 : 3;
    const fit = await fitLogReg(transformTfidf(model, train), c.labels.slice(0, c.nTrain), k, { C: c.C, tol: 1e-7, maxIter: 5000 });
    assert.ok(fit.converged, `not converged after ${fit.iterations}`);
    const probs = predictProba(fit, xTest);
    c.probs.forEach((row, r) => row.forEach((v, j) => assert.ok(Math.abs(probs[r][j] - v) < 2e-4, `prob ${r},${j}: ${probs[r][j]} vs ${v}`)));
  });
}

test('objective gradient matches finite differences (binary and multinomial)', async () => {
  const x = denseToCsr([[0.5, -1, 0], [0, 2, 1], [1, 1, 1], [-0.3, 0, 0.7]], 3);
  for (const k of [2, 3]) {
    const labels = k === 2 ? [0, 1, 1, 0] : [0, 2, 1, 2];
    const f = sparseObjective(x, labels, k, 3);
    const rows = k === 2 ? 1 : k;
    const theta = Float64Array.from({ length: rows * 3 + rows }, (_, i) => Math.sin(i + 1) * 0.7);
    const { grad } = f(theta);
    for (let i = 0; i < theta.length; i++) {
      const h = 1e-6;
      const tp = Float64Array.from(theta);
      const tm = Float64Array.from(theta);
      tp[i] += h;
      tm[i] -= h;
      const fd = (f(tp).loss - f(tm).loss) / (2 * h);
      assert.ok(Math.abs(fd - grad[i]) < 1e-5 * Math.max(1, Math.abs(fd)), `k=${k} param ${i}: ${grad[i]} vs ${fd}`);
    }
  }
});

test('L-BFGS minimises a badly scaled quadratic', async () => {
  const scale = Float64Array.from([1, 10, 100, 1000]);
  const r = await lbfgs((x) => ({
    loss: x.reduce((s, v, i) => s + 0.5 * scale[i] * (v - i) ** 2, 0),
    grad: x.map((v, i) => scale[i] * (v - i)),
  }), new Float64Array(4), { tol: 1e-9 });
  assert.ok(r.converged);
  r.x.forEach((v, i) => assert.ok(Math.abs(v - i) < 1e-8, `${v} vs ${i}`));
});

test('movie reviews, canonical fold 1 as test: same vocabulary size and accuracy as scikit-learn', async () => {
  const ds = loadBuiltin('movie-reviews');
  const train = ds.examples.filter((e) => e.fold !== 1);
  const test = ds.examples.filter((e) => e.fold === 1);
  const model = fitTfidf(train.map((e) => e.text));
  assert.equal(model.vocabulary.length, fx.movieReviews.numFeatures);
  const fit = await fitLogReg(transformTfidf(model, train.map((e) => e.text)), train.map((e) => e.label), 2, { C: fx.movieReviews.C });
  const probs = predictProba(fit, transformTfidf(model, test.map((e) => e.text)));
  const preds = probs.map((p) => (p[1] > p[0] ? 1 : 0));
  const acc = preds.filter((p, i) => p === test[i].label).length / test.length;
  const agree = preds.filter((p, i) => p === fx.movieReviews.predictions[test[i].id]).length / test.length;
  assert.equal(test.length, fx.movieReviews.nTest);
  assert.ok(agree >= 0.99, `agreement with scikit-learn predictions ${agree}`);
  assert.ok(Math.abs(acc - fx.movieReviews.accuracy) <= 0.01, `accuracy ${acc} vs scikit-learn ${fx.movieReviews.accuracy}`);
});

test('the engine graph gives the same objective and gradient as the sparse CPU code, and the same fit', async () => {
  for (const name of ['binary', 'threeClass'] as const) {
    const c = fx[name];
    const k = name === 'binary' ? 2 : 3;
    const model = fitTfidf(c.texts.slice(0, c.nTrain));
    const x = transformTfidf(model, c.texts.slice(0, c.nTrain));
    const y = c.labels.slice(0, c.nTrain);
    const eng = await engineObjective(x, y, k, c.C);
    try {
      const ref = sparseObjective(x, y, k, c.C);
      const rows = k === 2 ? 1 : k;
      const theta = Float64Array.from({ length: rows * x.cols + rows }, (_, i) => Math.cos(i * 1.3) * 0.5);
      const a = await eng.objective(theta);
      const b = ref(theta);
      assert.ok(Math.abs(a.loss - b.loss) <= 1e-5 * Math.abs(b.loss), `${name} loss ${a.loss} vs ${b.loss}`);
      b.grad.forEach((v, i) => assert.ok(Math.abs(a.grad[i] - v) <= 1e-4 * Math.max(1, Math.abs(v)), `${name} grad ${i}: ${a.grad[i]} vs ${v}`));
      const fit = await fitLogReg(x, y, k, { C: c.C, objective: eng.objective, tol: 1e-4, maxIter: 2000 });
      const probs = predictProba(fit, transformTfidf(model, c.texts.slice(c.nTrain)));
      c.probs.forEach((row, r) => row.forEach((v, j) => assert.ok(Math.abs(probs[r][j] - v) < 2e-3, `${name} prob ${r},${j}: ${probs[r][j]} vs ${v}`)));
    } finally {
      await eng.dispose();
    }
  }
});
