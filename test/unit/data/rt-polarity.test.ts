// The second built-in dataset, rt-polarity (Pang & Lee sentence polarity v1.0): counts, labels, the Latin-1 /
// windows-1252 decoding, its checksum, and `gft eval --data builtin:rt-polarity` using all of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_DATASETS, findDataFile, loadBuiltin, loadDataset } from '../../../src/host/data';
import { evaluateRun, runTfidfBaseline } from '../../../src/host/jobs';

const ds = loadBuiltin('rt-polarity');

test('rt-polarity: 10,662 snippets, 5331 neg + 5331 pos, labels neg=0, pos=1, listed as a built-in', () => {
  assert.ok((BUILTIN_DATASETS as readonly string[]).includes('rt-polarity'));
  assert.deepEqual(ds.labels, ['neg', 'pos']);
  assert.equal(ds.examples.length, 10662);
  assert.equal(ds.examples.filter((e) => e.label === 0).length, 5331);
  assert.equal(ds.examples.filter((e) => e.label === 1).length, 5331);
  for (const e of ds.examples) assert.equal(e.id.split('/')[0], ds.labels[e.label]);
  assert.equal(new Set(ds.examples.map((e) => e.id)).size, 10662);
  assert.match(ds.provenance.citation ?? '', /Seeing stars.*ACL 2005/);
  assert.equal(loadDataset('rt-polarity').dataset.hash, ds.hash);
});

test('rt-polarity: Latin-1 / windows-1252 decoded (accents, dashes), no replacement characters, lines trimmed', () => {
  const text = (id: string) => ds.examples.find((e) => e.id === id)?.text;
  assert.equal(text('pos/00356'), 'absorbing character study by andré turpin .');
  assert.equal(text('pos/00693'), "there's an energy to y tu mamá también . much of it comes from the brave , uninhibited performances by its lead actors .");
  assert.ok(ds.examples.every((e) => !e.text.includes('\uFFFD') && e.text === e.text.trim() && !e.text.includes('\n')));
  // 0x85 / 0x96 / 0x97 in the source are windows-1252 ellipsis and dashes, not C1 control characters
  assert.match(text('neg/00791') ?? '', /all its aspects — from the tv movie-esque/);
  assert.match(text('neg/00474') ?? '', /^…the maudlin way/);
  assert.ok(ds.examples.some((e) => /[–—]/.test(e.text)));
  assert.ok(ds.examples.every((e) => !/[\u0080-\u009f]/.test(e.text)));
  const words = ds.examples.reduce((s, e) => s + e.text.split(' ').length, 0) / ds.examples.length;
  assert.ok(words > 15 && words < 30, `mean ${words.toFixed(1)} tokens a snippet`);
});

test('rt-polarity: meta records the packed file sha256 and counts; the packed file is about 0.5 MiB', () => {
  const meta = JSON.parse(readFileSync(findDataFile('rt-polarity.json'), 'utf8'));
  const gz = readFileSync(findDataFile(meta.file));
  assert.equal(createHash('sha256').update(gz).digest('hex'), meta.sha256);
  assert.deepEqual(meta.counts, { total: 10662, neg: 5331, pos: 5331 });
  assert.equal(meta.provenance.packedBy, 'scripts/pack_rt_polarity.mjs');
  assert.ok(gz.length > 4e5 && gz.length < 7e5, `packed size ${gz.length}`);
});

test('eval on builtin:rt-polarity uses all 10,662 snippets with the run\'s labels', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-rt-'));
  const run = await runTfidfBaseline({ kind: 'tfidf', trainFile: 'test/fixtures/host/tiny-train.jsonl', evalFile: 'test/fixtures/host/tiny-eval.jsonl', runsRoot: root, C: 10 });
  const ev = await evaluateRun(run.runDir, 'builtin:rt-polarity');
  assert.equal(ev.n, 10662);
  assert.equal(ev.predictions.length, 10662);
  const byId = new Map(ev.predictions.map((p) => [p.id, p]));
  assert.equal(byId.get('pos/00356')?.label, 1);
  assert.equal(byId.get('neg/00001')?.label, 0);
  assert.ok(ev.accuracy >= 0 && ev.accuracy <= 1 && ev.accuracyCI[0] <= ev.accuracy && ev.accuracy <= ev.accuracyCI[1]);
});
