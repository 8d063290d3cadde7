// Evaluation metrics against hand-computed values and against scikit-learn / scipy (fixture made by
// scripts/make-eval-fixture.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { binaryAuc, bootstrapMeanCI, calibration, comparePredictions, evaluatePredictions, lgamma, mcnemarExact } from '../../../src/host/eval';
import { mulberry32, permutation } from '../../../src/shared/prng';
import { bootstrapCI, bootstrapCountsCI } from '../../../src/shared/stats';

const close = (a: number, b: number, tol = 1e-9, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('hand-computed binary metrics', () => {
  // labels 1,1,0,0,1 ; preds by p1>0.5: 1,0,0,1,1
  const labels = [1, 1, 0, 0, 1];
  const probs = [
    [0.1, 0.9],
    [0.6, 0.4],
    [0.8, 0.2],
    [0.3, 0.7],
    [0.45, 0.55],
  ];
  const m = evaluatePredictions(labels, probs, { labelNames: ['neg', 'pos'] });
  close(m.accuracy, 3 / 5);
  assert.deepEqual(m.confusion, [
    [1, 1],
    [1, 2],
  ]);
  close(m.perClass[1].precision, 2 / 3);
  close(m.perClass[1].recall, 2 / 3);
  close(m.perClass[0].precision, 1 / 2);
  close(m.perClass[0].f1, 1 / 2);
  close(m.macroF1, (2 / 3 + 1 / 2) / 2);
  // positives' scores 0.9,0.4,0.55 vs negatives 0.2,0.7: pairs won 2+1+... = (0.9>0.2,0.9>0.7,0.4>0.2,0.55>0.2) = 4 of 6
  close(m.rocAuc!, 4 / 6);
  close(m.logLoss, -(Math.log(0.9) + Math.log(0.4) + Math.log(0.8) + Math.log(0.3) + Math.log(0.55)) / 5, 1e-12);
  assert.equal(m.perClass[0].label, 'neg');
});

test('AUC with ties counts half a pair, and is null with one class only', () => {
  close(binaryAuc([true, false], [0.5, 0.5])!, 0.5);
  close(binaryAuc([true, true, false, false], [0.8, 0.5, 0.5, 0.1])!, (1 + 1 + 1 + 0.5) / 4);
  assert.equal(binaryAuc([true, true], [0.1, 0.2]), null);
});

test('calibration bins: equal width, right-inclusive, ECE weighted by bin size', () => {
  const labels = [0, 0, 1, 1];
  const probs = [
    [0.95, 0.05],
    [0.9, 0.1],
    [0.6, 0.4],
    [0.35, 0.65],
  ];
  const { ece, reliability } = calibration(labels, probs);
  assert.equal(reliability.length, 10);
  // 0.95 -> bin 9, 0.9 -> bin 8 (0.8,0.9], 0.6 -> bin 5 (wrong), 0.65 -> bin 6 (right)
  assert.deepEqual(
    reliability.map((b) => b.count),
    [0, 0, 0, 0, 0, 1, 1, 0, 1, 1],
  );
  close(ece, (0.05 + 0.1 + 0.6 + 0.35) / 4, 1e-12);
  close(reliability[5].accuracy, 0);
  close(reliability[6].confidence, 0.65);
});

test('bootstrap CI is seeded, brackets the mean and narrows with more data', () => {
  const v = Array.from({ length: 400 }, (_, i) => (i % 5 === 0 ? 0 : 1));
  const a = bootstrapMeanCI(v, 1, 1000);
  assert.deepEqual(a, bootstrapMeanCI(v, 1, 1000));
  assert.notDeepEqual(a, bootstrapMeanCI(v, 2, 1000));
  assert.ok(a[0] < 0.8 && a[1] > 0.8, `${a}`);
  // normal approximation: half width ~ 1.96*sqrt(.8*.2/400) = 0.0392
  close((a[1] - a[0]) / 2, 0.0392, 0.006, 'half width');
  const big = bootstrapMeanCI([...v, ...v, ...v, ...v], 1, 1000);
  assert.ok(big[1] - big[0] < a[1] - a[0]);
});

test('input errors name the problem', () => {
  assert.throws(() => evaluatePredictions([0, 1], [[0.5, 0.5]]), /2 labels but 1 probability rows/);
  assert.throws(() => evaluatePredictions([2], [[0.5, 0.5]]), /label 2 at row 0 is outside 0\.\.1/);
  assert.throws(() => evaluatePredictions([], []), /no examples/);
});

test('lgamma matches factorials', () => {
  close(lgamma(1), 0, 1e-12);
  close(lgamma(11), Math.log(3628800), 1e-10);
  close(lgamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-12);
});

test('McNemar exact p by hand: b=1,c=5 -> 2*(1+6)/64', () => {
  close(mcnemarExact(1, 5), (2 * 7) / 64, 1e-12);
  close(mcnemarExact(5, 1), (2 * 7) / 64, 1e-12);
  assert.equal(mcnemarExact(0, 0), 1);
  assert.equal(mcnemarExact(4, 4), 1);
});

test('comparison: fixed/broken lists, counts, paired CI around the difference', () => {
  const n = 200;
  const a = Array.from({ length: n }, (_, i) => ({ id: `r${i}`, label: i % 2, pred: i < 150 ? i % 2 : 1 - (i % 2) }));
  // B fixes 30 of A's 50 errors and breaks 5 of A's correct ones; given in another order (matched by id).
  const b = a.map((p, i) => ({ ...p, pred: (i >= 150 && i < 180) || (i >= 5 && i < 150) ? p.label : 1 - p.label }));
  const c = comparePredictions(a, [...b].reverse(), 3, 1000);
  close(c.accuracyA, 0.75);
  close(c.accuracyB, 175 / 200);
  close(c.difference, 0.125, 1e-12);
  assert.equal(c.onlyBCorrect, 30);
  assert.equal(c.onlyACorrect, 5);
  assert.deepEqual(c.broken, ['r0', 'r1', 'r2', 'r3', 'r4']);
  assert.equal(c.fixed.length, 30);
  assert.equal(c.fixed[0], 'r150');
  assert.ok(c.differenceCI[0] > 0.05 && c.differenceCI[1] < 0.2, `${c.differenceCI}`);
  close(c.mcnemarP, mcnemarExact(5, 30), 0);
  assert.ok(c.mcnemarP < 1e-4);
  assert.throws(() => comparePredictions(a, b.slice(1)), /same test set/);
  assert.throws(
    () =>
      comparePredictions(
        a,
        b.map((p) => ({ ...p, id: 'x' + p.id })),
      ),
    /missing from the second run/,
  );
});

test('permutation is a seeded shuffle', () => {
  const p = permutation(50, 9);
  assert.deepEqual(
    [...p].sort((x, y) => x - y),
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.deepEqual(p, permutation(50, 9));
  assert.notDeepEqual(p, permutation(50, 10));
});

interface Case {
  labels: number[];
  probs: number[][];
  accuracy: number;
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
  macroF1: number;
  rocAuc: number;
  logLoss: number;
  confusion: number[][];
  ece: number;
}
const fx = JSON.parse(readFileSync('test/fixtures/eval/sklearn-metrics.json', 'utf8')) as Record<string, Case> & {
  mcnemar: { b: number; c: number; p: number }[];
};

for (const name of ['binary', 'binaryTies', 'threeClass']) {
  test(`matches scikit-learn: ${name}`, () => {
    const c = fx[name];
    const m = evaluatePredictions(c.labels, c.probs);
    close(m.accuracy, c.accuracy, 1e-12, 'accuracy');
    assert.deepEqual(m.confusion, c.confusion);
    c.precision.forEach((v, i) => close(m.perClass[i].precision, v, 1e-12, `precision ${i}`));
    c.recall.forEach((v, i) => close(m.perClass[i].recall, v, 1e-12, `recall ${i}`));
    c.f1.forEach((v, i) => close(m.perClass[i].f1, v, 1e-12, `f1 ${i}`));
    c.support.forEach((v, i) => assert.equal(m.perClass[i].support, v));
    close(m.macroF1, c.macroF1, 1e-12, 'macroF1');
    close(m.rocAuc!, c.rocAuc, 1e-12, 'rocAuc');
    close(m.logLoss, c.logLoss, 1e-9, 'logLoss');
    close(m.ece, c.ece, 1e-12, 'ece');
  });
}

test('McNemar exact matches scipy.stats.binomtest', () => {
  for (const { b, c, p } of fx.mcnemar) close(mcnemarExact(b, c), p, 1e-9 * Math.max(p, 1e-300) + 1e-13, `b=${b} c=${c}`);
});

test('bootstrapCountsCI draws what bootstrapCI draws with mulberry32(seed): the same intervals, from counts', () => {
  const rand = mulberry32(9);
  const cat = Uint8Array.from({ length: 1234 }, () => Math.floor(rand() * 3));
  const value = [0, 1, -1];
  for (const seed of [0, 42]) {
    const closure = bootstrapCI(300, mulberry32(seed), (rnd) => {
      let s = 0;
      for (let i = 0; i < cat.length; i++) s += value[cat[Math.floor(rnd() * cat.length)]];
      return s / cat.length;
    });
    assert.deepEqual(
      bootstrapCountsCI(300, seed, cat, 3, (c) => (c[1] - c[2]) / cat.length),
      closure,
    );
  }
  // evaluatePredictions' accuracy CI is bootstrapMeanCI of the 0/1 correct values, as before.
  const labels = Array.from(cat, (c) => c % 2);
  const probs = Array.from(cat, (c) => (c === 2 ? [0.2, 0.8] : [0.7, 0.3]));
  const correct = labels.map((y, i) => (y === (probs[i][1] > 0.5 ? 1 : 0) ? 1 : 0));
  assert.deepEqual(evaluatePredictions(labels, probs, { seed: 5, resamples: 400 }).accuracyCI, bootstrapMeanCI(correct, 5, 400));
});
