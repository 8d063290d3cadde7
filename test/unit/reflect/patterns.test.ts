// Error-pattern analysis on synthetic test sets where the answer is known by construction, and the statistics
// behind it against SciPy reference values (stats_reference.json, made by stats_reference.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeErrors, cueCounts, joinPredictions, negationCount, words, type ScoredExample } from '../../../src/host/reflect/patterns';
import { wordCount } from '../../../src/protocol';
import { lengthBuckets } from '../../../src/ui/viewmodel/review';
import { fisherExact, holm, newcombeDiffCI, wilson } from '../../../src/host/reflect/stats';

const ref = JSON.parse(readFileSync(join(__dirname, 'stats_reference.json'), 'utf8')) as {
  fisher: number[][];
  wilson: number[][];
  newcombe: number[][];
};

test('Fisher exact, Wilson and Newcombe intervals match SciPy', () => {
  for (const [x1, n1, x2, n2, p] of ref.fisher) assert.ok(Math.abs(fisherExact(x1, n1, x2, n2) - p) < 1e-9, `fisher ${x1}/${n1} vs ${x2}/${n2}`);
  for (const [x, n, lo, hi] of ref.wilson) {
    const [l, h] = wilson(x, n);
    assert.ok(Math.abs(l - lo) < 1e-9 && Math.abs(h - hi) < 1e-9, `wilson ${x}/${n}: ${l} ${h} vs ${lo} ${hi}`);
  }
  for (const [x1, n1, x2, n2, lo, hi] of ref.newcombe) {
    const [l, h] = newcombeDiffCI(x1, n1, x2, n2);
    assert.ok(Math.abs(l - lo) < 1e-9 && Math.abs(h - hi) < 1e-9, `newcombe ${x1}/${n1} vs ${x2}/${n2}`);
  }
});

test('Holm adjustment: step-down, monotone, capped at 1', () => {
  assert.deepEqual(holm([0.01, 0.04, 0.03, 0.5]), [0.04, 0.09, 0.09, 0.5]);
  assert.deepEqual(holm([0.6, 0.6]), [1, 1]);
});

test('word, negation and cue counting', () => {
  const w = words("It isn’t good. I DON'T care; never, not once -- hardly a brilliant, awful mess.");
  assert.ok(w.includes("isn't") && w.includes("don't"));
  assert.equal(negationCount(w), 5); // isn't, don't, never, not, hardly
  assert.deepEqual(cueCounts(w), { positive: 1, negative: 2 }); // brilliant; awful, mess
});

const filler = ['the', 'movie', 'plot', 'actor', 'scene', 'story', 'camera', 'music', 'script', 'cast'];
const text = (n: number, extra: string[] = [], tail: string[] = []) =>
  [...extra, ...Array.from({ length: n - extra.length - tail.length }, (_, i) => filler[i % filler.length]), ...tail].join(' ');
const ex = (i: number, t: string, wrong: boolean, confidence = 0.8): ScoredExample => {
  const label = Math.floor(i / 2) % 2; // balanced over even and odd i, so the label is not confounded below
  return { id: `e${i}`, text: t, label, pred: wrong ? 1 - label : label, confidence };
};

test('length: long reviews with more mistakes are flagged; the other checks say no clear difference or cannot be checked', () => {
  const examples: ScoredExample[] = [];
  for (let i = 0; i < 100; i++) examples.push(ex(i, text(10 + (i % 10)), i % 50 === 0, 0.55));
  for (let i = 0; i < 100; i++) examples.push(ex(100 + i, text(100 + i), i % 2 === 0, 0.6 + i / 1000));
  const p = analyzeErrors(examples, { labels: ['neg', 'pos'] });
  assert.equal(p.n, 200);
  assert.equal(p.errors, 52);
  assert.equal(p.lengthBuckets.length, 4);
  const len = p.tests.find((t) => t.key === 'length')!;
  assert.equal(len.group.n, 50); // lengths 150-199
  assert.equal(len.group.errors, 25);
  assert.ok(len.other.n >= 50 && len.other.errors <= 2);
  assert.ok(len.supported && len.pAdjusted < 1e-6);
  assert.match(len.sentence, /^Length: the model makes more mistakes on long reviews — errors on 50\.0% of 50 long reviews/);
  // the longest bucket has the highest error rate
  assert.equal(p.lengthBuckets[3].errorRate, 0.5);
  assert.ok(p.lengthBuckets[0].errorRate < 0.05);
  for (const key of ['negation', 'mixed', 'contrast'] as const) {
    const t = p.tests.find((x) => x.key === key)!;
    assert.equal(t.supported, false, key);
    assert.match(t.sentence, /cannot be checked/, key);
  }
  const lab = p.tests.find((t) => t.key === 'label')!;
  assert.equal(lab.supported, false);
  assert.match(lab.sentence, /^By true label: no clear difference/);
  // most confidently wrong first
  assert.equal(p.confidentlyWrong.length, 5);
  assert.equal(p.confidentlyWrong[0].id, 'e198');
  assert.ok(p.confidentlyWrong.every((w, i) => i === 0 || w.confidence <= p.confidentlyWrong[i - 1].confidence));
  assert.ok(['neg', 'pos'].includes(p.confidentlyWrong[0].label) && p.confidentlyWrong[0].label !== p.confidentlyWrong[0].pred);
});

test('negation: the negation-heavy quarter with more mistakes is flagged; length (all equal) is not', () => {
  const examples: ScoredExample[] = [];
  for (let i = 0; i < 200; i++) {
    const neg = i % 4 === 0;
    const wrong = neg ? i % 20 !== 0 && i % 20 !== 4 : i % 10 === 1; // 30 of 50 vs 20 of 150 (i % 10 === 1 never hits i % 4 === 0)
    examples.push(ex(i, text(40, neg ? ['not', 'never', "isn't", 'hardly'] : []), wrong));
  }
  const p = analyzeErrors(examples);
  const neg = p.tests.find((t) => t.key === 'negation')!;
  assert.equal(neg.group.n, 50);
  assert.equal(neg.group.errors, 30);
  assert.equal(neg.other.errors, 20);
  assert.ok(neg.supported);
  assert.ok(neg.ci[0] > 0, 'the interval of the difference excludes 0');
  assert.match(neg.sentence, /more mistakes on negation-heavy reviews/);
  assert.equal(p.tests.find((t) => t.key === 'length')!.supported, false);
});

test('mixed sentiment flagged; a late contrast spread evenly over right and wrong is "no clear difference"', () => {
  const examples: ScoredExample[] = [];
  for (let i = 0; i < 200; i++) {
    const mixed = i % 4 === 0;
    const late = i < 100;
    const wrong = mixed ? i % 8 === 0 : i % 10 === 1;
    examples.push(ex(i, text(60, mixed ? ['brilliant', 'superb', 'awful', 'boring'] : [], late ? ['but', 'fine'] : []), wrong));
  }
  const p = analyzeErrors(examples);
  const mixed = p.tests.find((t) => t.key === 'mixed')!;
  assert.deepEqual([mixed.group.n, mixed.group.errors, mixed.other.n, mixed.other.errors], [50, 25, 150, 20]);
  assert.ok(mixed.supported);
  assert.match(mixed.sentence, /more mistakes on mixed-sentiment reviews/);
  const contrast = p.tests.find((t) => t.key === 'contrast')!;
  assert.deepEqual([contrast.group.n, contrast.other.n], [100, 100]);
  assert.equal(contrast.group.errors + contrast.other.errors, 45);
  assert.ok(Math.abs(contrast.group.errors - contrast.other.errors) <= 2);
  assert.equal(contrast.supported, false);
  assert.match(contrast.sentence, /^Late contrast: no clear difference/);
  // one strong cue of each side is not "mixed"
  const one = analyzeErrors([ex(0, text(30, ['brilliant', 'awful']), true), ex(1, text(30), false), ex(2, text(30), false), ex(3, text(30), true)]);
  assert.equal(one.tests.find((t) => t.key === 'mixed')!.group.n, 0);
});

test('joinPredictions counts predictions without a text instead of guessing', () => {
  const texts = new Map([
    ['a', 'good film'],
    ['b', 'bad film'],
  ]);
  const j = joinPredictions(
    [
      { id: 'a', label: 1, pred: 1, probs: [0.2, 0.8] },
      { id: 'b', label: 0, pred: 1, probs: [0.3, 0.7] },
      { id: 'c', label: 0, pred: 0, probs: [0.9, 0.1] },
    ],
    texts,
  );
  assert.deepEqual(j.missing, ['c']);
  assert.deepEqual(
    j.examples.map((e) => [e.id, e.confidence]),
    [
      ['a', 0.8],
      ['b', 0.7],
    ],
  );
});

test('a difference that is significant alone but not after Holm over the patterns checked is not stated as a pattern', () => {
  const examples: ScoredExample[] = [];
  for (let i = 0; i < 40; i++) {
    const label = i < 20 ? 1 : 0;
    const wrong = label === 1 && i < 6; // 6 of 20 vs 0 of 20: Fisher p = 0.0202 (SciPy), Holm x5 = 0.101
    examples.push({ id: `e${i}`, text: text(30), label, pred: wrong ? 1 - label : label, confidence: 0.7 });
  }
  const t = analyzeErrors(examples, { labels: ['neg', 'pos'] }).tests.find((x) => x.key === 'label')!;
  assert.ok(Math.abs(t.p - 0.0201960201960202) < 1e-9);
  assert.ok(Math.abs(t.pAdjusted - 5 * 0.0201960201960202) < 1e-9);
  assert.equal(t.supported, false);
  assert.match(
    t.sentence,
    /^By true label: no clear difference once the 5 patterns checked are accounted for \(the unadjusted p = 0\.020 alone would suggest one\)/,
  );
});

test('length: the reflection counts words as the mistakes browser does (whitespace tokens as stored) and cuts the same quartiles', () => {
  // punctuation tokens and contractions: the lexical words() differ from the stored words
  const texts = Array.from({ length: 40 }, (_, i) => `${"word -- it's good , ".repeat(1 + (i % 9))}end ${i}`);
  const examples = texts.map((t, i) => ex(i, t, i % 3 === 0, 0.5 + i / 100));
  const p = analyzeErrors(examples);
  const counts = texts.map(wordCount);
  assert.notDeepEqual(
    counts,
    texts.map((t) => words(t).length),
  );
  const browser = lengthBuckets(counts);
  assert.deepEqual(
    p.lengthBuckets.map((b) => [b.minWords, b.maxWords, b.n]),
    browser.map((b) => [b.min, b.max, b.count]),
  );
  for (const w of p.confidentlyWrong) assert.equal(w.words, wordCount(texts[Number(w.id.slice(1))]));
});
