// The packed built-in dataset: exact counts, canonical folds, checksum, and the path lookup from the source tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { canonicalFoldSplits, dataDirCandidates, DatasetError, findDataFile, loadBuiltin, loadDataset } from '../../../src/host/data';

const ds = loadBuiltin('movie-reviews');

test('movie reviews: 1000 pos + 1000 neg with labels neg=0, pos=1', () => {
  assert.deepEqual(ds.labels, ['neg', 'pos']);
  assert.equal(ds.examples.length, 2000);
  assert.equal(ds.examples.filter((e) => e.label === 1).length, 1000);
  assert.equal(ds.examples.filter((e) => e.label === 0).length, 1000);
  for (const e of ds.examples) assert.equal(e.id.split('/')[0], ds.labels[e.label]);
  assert.equal(new Set(ds.examples.map((e) => e.id)).size, 2000);
  assert.match(ds.provenance.citation ?? '', /Pang and Lillian Lee.*ACL 2004/);
  assert.match(ds.hash, /^[0-9a-f]{64}$/);
});

test('movie reviews: text is the file content (lines kept), as in the corpus README', () => {
  const e = ds.examples.find((x) => x.id === 'neg/cv000_29416');
  assert.ok(e);
  assert.ok(e.text.startsWith('plot : two teen couples go to a church party'));
  assert.ok(e.text.split('\n').length > 10, 'one sentence per line');
  const total = ds.examples.reduce((s, x) => s + Buffer.byteLength(x.text), 0);
  assert.equal(total, 7786004, 'same byte count as the source files (README.txt)');
});

test('movie reviews: 10 canonical folds of 200 (100 pos / 100 neg), cv000-cv099 = fold 1', () => {
  for (let f = 1; f <= 10; f++) {
    const inFold = ds.examples.filter((e) => e.fold === f);
    assert.equal(inFold.length, 200);
    assert.equal(inFold.filter((e) => e.label === 1).length, 100);
    for (const e of inFold) assert.equal(Math.floor(Number(e.id.slice(6, 9)) / 100) + 1, f);
  }
  const splits = canonicalFoldSplits(ds);
  assert.equal(splits.length, 10);
  assert.deepEqual(splits[2].labelCounts, { train: [900, 900], validation: [0, 0], test: [100, 100] });
  assert.ok(splits[2].ids.test.every((id) => /cv2\d\d_/.test(id)));
});

test('movie reviews: meta file records the sha256 of the packed file and the counts', () => {
  const meta = JSON.parse(readFileSync(findDataFile('movie-reviews.json'), 'utf8'));
  const gz = readFileSync(findDataFile(meta.file));
  assert.equal(createHash('sha256').update(gz).digest('hex'), meta.sha256);
  assert.deepEqual(meta.counts, { total: 2000, neg: 1000, pos: 1000 });
  assert.ok(gz.length > 2e6 && gz.length < 3.5e6, `packed size ${gz.length}`);
});

test('data folder is found relative to the bundle (dist/../data) and to the source tree', () => {
  const c = dataDirCandidates();
  assert.ok(c.some((p) => p.endsWith('/data')));
  assert.ok(findDataFile('movie-reviews.jsonl.gz').endsWith('data/movie-reviews.jsonl.gz'));
  assert.throws(() => findDataFile('nope.bin'), (e: unknown) => e instanceof DatasetError && /nope\.bin not found/.test(e.message) && !e.message.includes('\n'));
});

test('loadDataset dispatches built-in ids; unknown built-ins are one-line errors', () => {
  assert.equal(loadDataset('movie-reviews').dataset.hash, ds.hash);
  assert.throws(() => loadBuiltin('imdb'), /unknown built-in dataset "imdb"; choose one of: movie-reviews/);
});
