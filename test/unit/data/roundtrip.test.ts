// The 2000 real reviews (quotes, apostrophes, newlines inside texts) written out as CSV, semicolon CSV, JSONL and a
// label-folder tree, then imported: every text and label must come back exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importDataset, loadBuiltin, type Dataset } from '../../../src/host/data';

const ds = loadBuiltin('movie-reviews');
const dir = mkdtempSync(join(tmpdir(), 'gft-roundtrip-'));
const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

function sameContent(a: Dataset, b: Dataset) {
  assert.deepEqual(b.labels, a.labels);
  assert.equal(b.examples.length, a.examples.length);
  const byId = new Map(b.examples.map((e) => [e.id, e]));
  for (const e of a.examples) {
    const o = byId.get(e.id);
    assert.ok(o, `missing ${e.id}`);
    assert.equal(o.label, e.label);
    assert.equal(o.text, e.text);
  }
}

test('movie reviews through CSV (CRLF, quoted, multi-line) and semicolon CSV', () => {
  assert.ok(ds.examples.some((e) => e.text.includes('"')), 'the corpus has quotes to escape');
  const csv = ['id,text,label', ...ds.examples.map((e) => [e.id, quote(e.text), ds.labels[e.label]].join(','))].join('\r\n');
  const p = join(dir, 'reviews.csv');
  writeFileSync(p, csv);
  const got = importDataset(p);
  sameContent(ds, got.dataset);
  assert.deepEqual(got.warnings, []);
  const semi = ['id;text;label', ...ds.examples.filter((_, i) => i % 40 === 0).map((e) => [e.id, quote(e.text), ds.labels[e.label]].join(';'))].join('\n');
  writeFileSync(join(dir, 'semi.csv'), semi);
  const s = importDataset(join(dir, 'semi.csv')).dataset;
  assert.equal(s.examples.length, 50);
  assert.equal(s.examples[3].text, ds.examples[120].text);
  assert.deepEqual(s.labels, ['neg', 'pos']);
  assert.ok(s.provenance.notes?.includes('delimiter: semicolon'));
});

test('movie reviews through JSONL and a label-folder tree', () => {
  writeFileSync(join(dir, 'reviews.jsonl'), ds.examples.map((e) => JSON.stringify({ id: e.id, review: e.text, sentiment: ds.labels[e.label] })).join('\n'));
  sameContent(ds, importDataset(join(dir, 'reviews.jsonl')).dataset);
  const tree = join(dir, 'txt_sentoken');
  for (const l of ds.labels) mkdirSync(join(tree, l), { recursive: true });
  for (const e of ds.examples) writeFileSync(join(tree, `${e.id}.txt`), e.text);
  const f = importDataset(tree).dataset;
  sameContent(ds, f);
  assert.equal(f.id, 'txt_sentoken');
});
