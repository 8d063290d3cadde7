// Splits: seeded determinism, stratification, k-fold coverage, manifests (atomic write, checksum, dataset hash).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applySplit, canonicalFoldSplit, datasetHash, DatasetError, holdoutSplit, kFoldSplits, leakageBetween, leakageReport, loadBuiltin,
  loadSplitManifest, writeSplitManifest, type Dataset,
} from '../../../src/host/data';
import { mulberry32, shuffled } from '../../../src/shared/prng';

const reviews = loadBuiltin('movie-reviews');
const dir = mkdtempSync(join(tmpdir(), 'gft-splits-'));

function toy(n: number, posShare: number, extra: { id: string; text: string; label: number }[] = []): Dataset {
  const examples = Array.from({ length: n }, (_, i) => ({ id: `e${String(i).padStart(4, '0')}`, text: `text number ${i}`, label: i < n * posShare ? 1 : 0 }));
  examples.push(...extra);
  const labels = ['neg', 'pos'];
  return { id: 'toy', name: 'toy', labels, examples, hash: datasetHash({ labels, examples }), provenance: { source: 'test' } };
}

test('mulberry32: documented reference values and seeded shuffles', () => {
  // First outputs of Tommy Ettinger's reference C mulberry32, compiled with gcc here:
  //   uint32_t z = (*state += 0x6D2B79F5UL); z = (z ^ (z >> 15)) * (z | 1UL);
  //   z ^= z + (z ^ (z >> 7)) * (z | 61UL); return z ^ (z >> 14);
  const first = (seed: number) => {
    const r = mulberry32(seed);
    return [r(), r(), r()].map((x) => x * 4294967296);
  };
  assert.deepEqual(first(1), [2693262067, 11749833, 2265367787]);
  assert.deepEqual(first(42), [2581720956, 1925393290, 3661312704]);
  const a = shuffled([...Array(50).keys()], mulberry32(7));
  assert.deepEqual(a, shuffled([...Array(50).keys()], mulberry32(7)));
  assert.notDeepEqual(a, shuffled([...Array(50).keys()], mulberry32(8)));
  assert.deepEqual([...a].sort((x, y) => x - y), [...Array(50).keys()]);
});

test('holdout: default 70/10/20 stratified on the movie reviews; same seed same split, other seed differs', () => {
  const m = holdoutSplit(reviews);
  assert.deepEqual(m.labelCounts, { train: [700, 700], validation: [100, 100], test: [200, 200] });
  assert.deepEqual(m.fractions, { train: 0.7, validation: 0.1, test: 0.2 });
  const all = [...m.ids.train, ...m.ids.validation, ...m.ids.test];
  assert.equal(new Set(all).size, 2000);
  assert.deepEqual(holdoutSplit(reviews, { seed: 42 }).ids, m.ids);
  const other = holdoutSplit(reviews, { seed: 43 });
  assert.notDeepEqual(other.ids.test, m.ids.test);
  assert.notEqual(other.sha256, m.sha256);
  // Row order of the input does not matter.
  const rev = { ...reviews, examples: reviews.examples.slice().reverse() };
  assert.deepEqual(holdoutSplit(rev).ids, m.ids);
});

test('holdout: 80/20 without validation, unbalanced classes keep their ratio', () => {
  const m = holdoutSplit(toy(1000, 0.3), { fractions: { validation: 0, test: 0.2 }, seed: 1 });
  assert.deepEqual(m.labelCounts, { train: [560, 240], validation: [0, 0], test: [140, 60] });
  assert.throws(() => holdoutSplit(toy(10, 0.5), { fractions: { train: 0.5, validation: 0.1, test: 0.2 } }), /add up to 1/);
  assert.throws(() => holdoutSplit(toy(10, 0.5), { fractions: { test: 1.5 } }), /test fraction must be at least 0 and below 1/);
});

test('k-fold: each example is tested exactly once, folds stratified and balanced', () => {
  const ds = toy(103, 0.4);
  const folds = kFoldSplits(ds, { k: 5, seed: 3, validationFraction: 0.1 });
  assert.equal(folds.length, 5);
  const tested = folds.flatMap((m) => m.ids.test);
  assert.equal(tested.length, 103);
  assert.equal(new Set(tested).size, 103);
  for (const m of folds) {
    assert.ok(m.ids.test.length === 20 || m.ids.test.length === 21, `fold size ${m.ids.test.length}`);
    assert.ok(Math.abs(m.labelCounts.test[1] / m.ids.test.length - 0.4) < 0.06);
    assert.equal(m.ids.train.length + m.ids.validation.length + m.ids.test.length, 103);
    assert.ok(m.ids.validation.length >= 7 && m.ids.validation.length <= 10);
    assert.equal(new Set([...m.ids.train, ...m.ids.test]).size, m.ids.train.length + m.ids.test.length);
  }
  assert.deepEqual(kFoldSplits(ds, { k: 5, seed: 3, validationFraction: 0.1 }).map((m) => m.sha256), folds.map((m) => m.sha256));
  assert.throws(() => kFoldSplits(ds, { k: 1 }), /^Error: number of folds must be a whole number from 2 to 103 \(got 1\)$/);
});

test('canonical folds: test = fold k exactly; validation carved from the other folds, stratified', () => {
  const m = canonicalFoldSplit(reviews, { fold: 10, validationFraction: 0.1, seed: 5 });
  assert.ok(m.ids.test.every((id) => /\/cv9\d\d_/.test(id)));
  assert.deepEqual(m.labelCounts, { train: [810, 810], validation: [90, 90], test: [100, 100] });
  assert.throws(() => canonicalFoldSplit(toy(10, 0.5), { fold: 1 }), /^Error: toy has no folds of its own; use a holdout split, or give the number of folds to make, e\.g\. number of folds 10$/);
  assert.throws(() => canonicalFoldSplit(reviews, { fold: 11 }), /fold must be 1 to 10/);
});

test('copies of a text stay in one split; leakage across a hand-made split is reported with ids', () => {
  const extra = Array.from({ length: 30 }, (_, i) => ({ id: `dup${i}`, text: `text  number ${i}\n`, label: i < 15 ? 1 : 0 }));
  const ds = toy(100, 0.5, extra);
  const m = holdoutSplit(ds, { seed: 9 });
  const where = new Map<string, string>();
  for (const s of ['train', 'validation', 'test'] as const) for (const id of m.ids[s]) where.set(id, s);
  for (let i = 0; i < 30; i++) assert.equal(where.get(`dup${i}`), where.get(`e${String(i).padStart(4, '0')}`));
  const clean = leakageReport(ds, m);
  assert.equal(clean.crossSplit.length, 0);
  assert.equal(clean.duplicateGroups, 30);
  // A manifest made elsewhere that separates copies: reported.
  const leaky = structuredClone(m);
  const moved = m.ids.train.find((id) => id.startsWith('dup'))!;
  leaky.ids.train = leaky.ids.train.filter((id) => id !== moved);
  leaky.ids.test.push(moved);
  const rep = leakageReport(ds, leaky);
  assert.equal(rep.crossSplit.length, 1);
  assert.deepEqual([rep.crossSplit[0].a, rep.crossSplit[0].b, rep.crossSplit[0].texts], ['train', 'test', 1]);
  assert.match(rep.warnings.join('|'), new RegExp(`leakage: 1 text\\(s\\) appear in both train and test of toy, e\\.g\\. e\\d+ = ${moved}`));
  assert.equal(leakageReport(reviews, holdoutSplit(reviews)).warnings.length, 0, 'the movie reviews have no exact copies');
});

test('manifest: atomic write, round trip, edits and dataset changes are one-line errors', () => {
  const m = holdoutSplit(reviews, { seed: 11 });
  const p = join(dir, 'split.json');
  writeSplitManifest(p, m);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('tmp')), [], 'no temp file left');
  const back = loadSplitManifest(p, reviews);
  assert.deepEqual(back, m);
  const parts = applySplit(reviews, back);
  assert.equal(parts.test.length, 400);
  assert.ok(parts.test.every((e) => e.text.length > 0));

  const edited = JSON.parse(readFileSync(p, 'utf8'));
  edited.ids.test.push(edited.ids.train.pop());
  writeFileSync(join(dir, 'edited.json'), JSON.stringify(edited));
  assert.throws(() => loadSplitManifest(join(dir, 'edited.json'), reviews), /was edited \(its sha256 no longer matches/);

  const changed = { ...reviews, examples: reviews.examples.map((e, i) => (i === 0 ? { ...e, text: e.text + ' extra' } : e)) };
  changed.hash = datasetHash(changed);
  assert.notEqual(changed.hash, reviews.hash);
  assert.throws(() => loadSplitManifest(p, changed), (e: unknown) =>
    e instanceof DatasetError && /made for dataset movie-reviews with hash [0-9a-f]{12}, but movie-reviews now has hash [0-9a-f]{12} \(the data changed\); make a new split/.test(e.message) && !e.message.includes('\n'));
  assert.throws(() => loadSplitManifest(join(dir, 'missing.json'), reviews), /missing\.json: no such file/);
  assert.ok(existsSync(p));
});

test('leakage between separately given train and evaluation datasets', () => {
  const train = toy(20, 0.5);
  const labels = ['neg', 'pos'];
  const evalExamples = [{ id: 'v1', text: 'text number 3', label: 1 }, { id: 'v2', text: 'fresh text', label: 0 }, { id: 'v3', text: ' text number  3 ', label: 1 }];
  const evaluation: Dataset = { id: 'held-out', name: 'held-out', labels, examples: evalExamples, hash: datasetHash({ labels, examples: evalExamples }), provenance: { source: 'test' } };
  assert.equal(leakageBetween(train, evaluation),
    'leakage: 1 text(s) appear in both toy (train) and held-out (evaluation), e.g. e0003 = v1; scores on held-out are inflated: remove the copies from one of the files');
  assert.equal(leakageBetween(train, { ...evaluation, examples: [evalExamples[1]] }), undefined);
});
