// TF-IDF features and logistic regression against scikit-learn (fixture: scripts/make-tfidf-fixture.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  denseToCsr,
  fitLogReg,
  fitTfidf,
  fitTransformTfidf,
  lbfgs,
  ngrams,
  predictProba,
  sparseObjective,
  tokenize,
  transformTfidf,
  type Csr,
} from '../../../src/host/baselines';
import { loadBuiltin } from '../../../src/host/data';

interface Small {
  texts: string[];
  labels: number[];
  nTrain: number;
  C: number;
  vocabulary: string[];
  idf: number[];
  testRows: number[][];
  probs: number[][];
}
const fx = JSON.parse(readFileSync('test/fixtures/baselines/sklearn-tfidf.json', 'utf8')) as {
  binary: Small;
  threeClass: Small;
  movieReviews: { C: number; numFeatures: number; nTest: number; accuracy: number; predictions: Record<string, number> };
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
  const x = denseToCsr(
    [
      [0.5, -1, 0],
      [0, 2, 1],
      [1, 1, 1],
      [-0.3, 0, 0.7],
    ],
    3,
  );
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
  const r = await lbfgs(
    (x) => ({
      loss: x.reduce((s, v, i) => s + 0.5 * scale[i] * (v - i) ** 2, 0),
      grad: x.map((v, i) => scale[i] * (v - i)),
    }),
    new Float64Array(4),
    { tol: 1e-9 },
  );
  assert.ok(r.converged);
  r.x.forEach((v, i) => assert.ok(Math.abs(v - i) < 1e-8, `${v} vs ${i}`));
});

test('movie reviews, canonical fold 1 as test: same vocabulary size and accuracy as scikit-learn', async () => {
  const ds = loadBuiltin('movie-reviews');
  const train = ds.examples.filter((e) => e.fold !== 1);
  const test = ds.examples.filter((e) => e.fold === 1);
  const model = fitTfidf(train.map((e) => e.text));
  assert.equal(model.vocabulary.length, fx.movieReviews.numFeatures);
  const fit = await fitLogReg(
    transformTfidf(
      model,
      train.map((e) => e.text),
    ),
    train.map((e) => e.label),
    2,
    { C: fx.movieReviews.C },
  );
  const probs = predictProba(
    fit,
    transformTfidf(
      model,
      test.map((e) => e.text),
    ),
  );
  const preds = probs.map((p) => (p[1] > p[0] ? 1 : 0));
  const acc = preds.filter((p, i) => p === test[i].label).length / test.length;
  const agree = preds.filter((p, i) => p === fx.movieReviews.predictions[test[i].id]).length / test.length;
  assert.equal(test.length, fx.movieReviews.nTest);
  assert.ok(agree >= 0.99, `agreement with scikit-learn predictions ${agree}`);
  assert.ok(Math.abs(acc - fx.movieReviews.accuracy) <= 0.01, `accuracy ${acc} vs scikit-learn ${fx.movieReviews.accuracy}`);
});

// The straightforward string-keyed TF-IDF (what the CSR builder replaced), as a reference for it.
function referenceTfidf(train: string[], other: string[], maxN: number, minDf: number): { vocabulary: string[]; rows: Map<number, number>[] } {
  const counts = (t: string) => {
    const m = new Map<string, number>();
    for (const g of ngrams(tokenize(t), maxN)) m.set(g, (m.get(g) ?? 0) + 1);
    return m;
  };
  const df = new Map<string, number>();
  for (const t of train) for (const g of counts(t).keys()) df.set(g, (df.get(g) ?? 0) + 1);
  const vocabulary = [...df]
    .filter(([, d]) => d >= minDf)
    .map(([g]) => g)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(vocabulary.map((g, i) => [g, i]));
  const rows = other.map((t) => {
    const row = new Map<number, number>();
    for (const [g, c] of counts(t)) {
      const j = index.get(g);
      if (j !== undefined) row.set(j, (1 + Math.log(c)) * (Math.log((1 + train.length) / (1 + df.get(g)!)) + 1));
    }
    const norm = Math.sqrt([...row.values()].reduce((a, v) => a + v * v, 0));
    for (const [j, v] of row) row.set(j, v / norm);
    return row;
  });
  return { vocabulary, rows };
}

test('CSR TF-IDF equals the string-keyed reference on movie reviews (uni+bigrams, trigrams), fitted and reloaded', async () => {
  const ds = loadBuiltin('movie-reviews');
  const train = ds.examples.slice(0, 150).map((e) => e.text);
  const other = ds.examples
    .slice(150, 190)
    .map((e) => e.text)
    .concat(['Unseen wordz only', '', 'the the the film film']);
  for (const maxN of [1, 2, 3]) {
    const ref = referenceTfidf(train, train.concat(other), maxN, 2);
    const { model, x } = fitTransformTfidf(train, { maxN });
    assert.deepEqual(model.vocabulary, ref.vocabulary, `maxN ${maxN}: vocabulary`);
    // A model loaded from its vocabulary (a checkpoint) builds its own term table: it must give the same rows.
    const reloaded = { vocabulary: model.vocabulary.slice(), idf: Float64Array.from(model.idf), maxN };
    const rows = [x, transformTfidf(model, other), transformTfidf(reloaded, train), transformTfidf(reloaded, other)];
    const expect = [ref.rows.slice(0, train.length), ref.rows.slice(train.length), ref.rows.slice(0, train.length), ref.rows.slice(train.length)];
    rows.forEach((m, which) => {
      assert.equal(m.rows, expect[which].length);
      expect[which].forEach((row, r) => {
        assert.equal(m.indptr[r + 1] - m.indptr[r], row.size, `maxN ${maxN} matrix ${which} row ${r}: non-zeros`);
        for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) {
          if (p > m.indptr[r]) assert.ok(m.indices[p] > m.indices[p - 1], 'column indices ascend within a row');
          const v = row.get(m.indices[p]);
          assert.ok(v !== undefined && Math.abs(v - m.values[p]) < 1e-6, `maxN ${maxN} matrix ${which} row ${r} col ${m.indices[p]}: ${m.values[p]} vs ${v}`);
        }
      });
    });
  }
});

test('the default stopping rule (as trainLinear fits) reproduces scikit-learn probabilities within 2e-3', async () => {
  for (const name of ['binary', 'threeClass'] as const) {
    const c = fx[name];
    const k = name === 'binary' ? 2 : 3;
    const { model, x } = fitTransformTfidf(c.texts.slice(0, c.nTrain));
    const fit = await fitLogReg(x, c.labels.slice(0, c.nTrain), k, { C: c.C, maxIter: 1000 });
    const probs = predictProba(fit, transformTfidf(model, c.texts.slice(c.nTrain)));
    c.probs.forEach((row, r) => row.forEach((v, j) => assert.ok(Math.abs(probs[r][j] - v) < 2e-3, `${name} prob ${r},${j}: ${probs[r][j]} vs ${v}`)));
  }
});
