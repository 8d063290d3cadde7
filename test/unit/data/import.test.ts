// Imports from files the test writes: tricky CSV, TSV, JSONL, folders, encodings, and one test per bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetError, importDataset, parseDelimited, parseLabelMap, type ImportOptions } from '../../../src/host/data';
import { exampleKey, normalizeForDuplicates } from '../../../src/host/data/checks';

const dir = mkdtempSync(join(tmpdir(), 'gft-import-'));
let n = 0;
function file(name: string, content: string | Buffer): string {
  const p = join(dir, `${n++}-${name}`);
  writeFileSync(p, content);
  return p;
}
const rows = (k: number, label: string, prefix = 't') => Array.from({ length: k }, (_, i) => `${prefix} ${label} ${i},${label}`).join('\n');

/** Asserts a one-line DatasetError matching every pattern. */
function fails(path: string, opts: ImportOptions, ...patterns: RegExp[]): string {
  let msg = '';
  assert.throws(() => importDataset(path, opts), (e: unknown) => {
    assert.ok(e instanceof DatasetError, `expected DatasetError, got ${String(e)}`);
    msg = e.message;
    return true;
  });
  assert.ok(!msg.includes('\n'), `one line: ${msg}`);
  for (const p of patterns) assert.match(msg, p);
  return msg;
}

test('CSV: RFC 4180 quotes, embedded newlines and quotes, BOM, CRLF', () => {
  const csv = '\ufeffid,review,sentiment\r\n' +
    'a1,"great, ""really"" great\r\nsecond line",positive\r\n' +
    'a2,plain text,negative\r\n' +
    '\r\n' +
    'a3,"multi\nline\nthree",positive\r\n' +
    'a4,"",negative\r\n';
  // a4 has an empty text: that is an error; check the parser first, then a clean variant.
  const recs = parseDelimited(csv.slice(1), ',', 'x.csv');
  assert.deepEqual(recs.map((r) => r.line), [1, 2, 4, 6, 9]);
  assert.equal(recs[1].fields[1], 'great, "really" great\r\nsecond line');
  assert.equal(recs[4].fields[1], '');
  const p = file('reviews.csv', csv.replace('a4,"",negative', 'a4,"ok",negative'));
  const { dataset, warnings } = importDataset(p);
  assert.deepEqual(dataset.labels, ['negative', 'positive']);
  assert.deepEqual(dataset.examples.map((e) => [e.id, e.label]), [['a1', 1], ['a2', 0], ['a3', 1], ['a4', 0]]);
  assert.equal(dataset.examples[0].text, 'great, "really" great\r\nsecond line');
  assert.equal(warnings.length, 0);
  assert.ok(dataset.provenance.notes?.some((x) => /text="review", label="sentiment", id="id"/.test(x)));
  fails(file('empty-text.csv', csv), {}, /empty text\(s\) at line\(s\) 9/, /fill them in or delete/);
});

test('CSV: unclosed quote and wrong field count name the line', () => {
  fails(file('open.csv', 'text,label\n"never closed,pos\nx,neg\n'), {}, /line 2: a quoted field is never closed/);
  fails(file('fields.csv', 'text,label\ngood, fun,pos\nbad,neg\n'), {}, /line 2: 3 field\(s\) but the header has 2; quote fields/);
  fails(file('after.csv', 'text,label\n"good" fun,pos\nbad,neg\n'), {}, /line 2: unexpected text after a closing quote/);
  // Old Mac CR-only line ends, a trailing delimiter giving an empty last field, no final newline.
  const cr = parseDelimited('a,b\r"x\ry",2\r\r3,', ',', 'cr.csv');
  assert.deepEqual(cr, [{ line: 1, fields: ['a', 'b'] }, { line: 2, fields: ['x\ry', '2'] }, { line: 5, fields: ['3', ''] }]);
  assert.deepEqual(parseDelimited('""\n\n', ',', 'q.csv'), [{ line: 1, fields: [''] }], 'a quoted empty line is a record, a blank one is not');
});

test('TSV and numeric labels sorted numerically, label map to names', () => {
  const tsv = 'sentence\tlabel\n' + Array.from({ length: 12 }, (_, i) => `s${i}, with comma\t${i % 3 === 0 ? 10 : i % 3 === 1 ? 2 : 1}`).join('\n');
  const d1 = importDataset(file('n.tsv', tsv)).dataset;
  assert.deepEqual(d1.labels, ['1', '2', '10']);
  assert.equal(d1.examples[0].text, 's0, with comma');
  assert.equal(d1.examples[0].label, 2);
  const d2 = importDataset(file('m.tsv', tsv), { labelMap: parseLabelMap('1=low, 2=mid,10=high'), labels: ['low', 'mid', 'high'] }).dataset;
  assert.deepEqual(d2.labels, ['low', 'mid', 'high']);
  assert.equal(d2.examples[0].label, 2);
  fails(file('m2.tsv', tsv), { labels: ['low', 'mid'], labelMap: { 1: 'low', 2: 'mid' } }, /line 2: label "10" is not one of "low", "mid"; .*--label-map "10=<label>"/);
  assert.throws(() => parseLabelMap('a=b,c'), /"c" is not raw=label/);
});

test('JSONL: keys auto-detected, numbers as labels, bad lines named', () => {
  const p = file('d.jsonl', '{"id": 7, "text": "good", "label": 1}\n\n{"id": 8, "text": "bad", "label": 0}\r\n{"id": 9, "text": "meh", "label": 0}\n');
  const d = importDataset(p).dataset;
  assert.deepEqual(d.labels, ['0', '1']);
  assert.deepEqual(d.examples.map((e) => e.id), ['7', '8', '9']);
  fails(file('bad.jsonl', '{"text": "a", "label": 1}\n{"text": "b", label: 0}\n'), {}, /line 2: not valid JSON/);
  fails(file('arr.jsonl', '{"text": "a", "label": 1}\n[1, 2]\n'), {}, /line 2: expected a JSON object/);
  fails(file('nokey.jsonl', '{"text": "a", "label": 1}\n{"txt": "b", "label": 0}\n'), {}, /line 2: no "text" key \(keys found: txt, label\)/);
});

test('folder with one sub-folder per label, like txt_sentoken', () => {
  const root = join(dir, 'sentoken');
  for (const [label, texts] of [['pos', ['fine film', 'loved it']], ['neg', ['dull', 'awful\nreally']]] as const) {
    mkdirSync(join(root, label), { recursive: true });
    texts.forEach((t, i) => writeFileSync(join(root, label, `cv00${i}_1.txt`), t));
  }
  writeFileSync(join(root, 'README.txt'), 'not data');
  const { dataset, warnings } = importDataset(root);
  assert.equal(dataset.id, 'sentoken');
  assert.deepEqual(dataset.labels, ['neg', 'pos']);
  assert.deepEqual(dataset.examples.map((e) => e.id), ['neg/cv000_1', 'neg/cv001_1', 'pos/cv000_1', 'pos/cv001_1']);
  assert.equal(dataset.examples[1].text, 'awful\nreally');
  assert.match(warnings.join('|'), /1 file\(s\) directly in the folder were ignored/);
  // A Latin-1 corpus gives one warning line for all its files.
  const l1 = join(dir, 'latin-tree');
  for (const label of ['a', 'b']) {
    mkdirSync(join(l1, label), { recursive: true });
    for (let i = 0; i < 5; i++) writeFileSync(join(l1, label, `f${i}.txt`), Buffer.from(`r\xe9sum\xe9 ${label}${i}`, 'latin1'));
  }
  const l1r = importDataset(l1);
  assert.equal(l1r.dataset.examples[0].text, 'résumé a0');
  assert.equal(l1r.warnings.length, 1);
  assert.match(l1r.warnings[0], /10 file\(s\) are not valid UTF-8 \(a\/f0\.txt, a\/f1\.txt, a\/f2\.txt and 7 more\); read them as Latin-1/);
  const flat = join(dir, 'flat');
  mkdirSync(flat);
  writeFileSync(join(flat, 'a.txt'), 'x');
  fails(flat, {}, /has no sub-folders; put each class's \.txt files in a sub-folder named after its label/);
});

test('encodings: invalid UTF-8 falls back to Latin-1 with a warning; strict UTF-8 is an error; UTF-16 BOM', () => {
  const latin = Buffer.concat([Buffer.from('text,label\n'), Buffer.from('caf\xe9 cr\xe8me,pos\nna\xefve,neg\n', 'latin1')]);
  const { dataset, warnings } = importDataset(file('l1.csv', latin));
  assert.equal(dataset.examples[0].text, 'café crème');
  assert.equal(dataset.examples[1].text, 'naïve');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /l1\.csv line 2: not valid UTF-8 \(byte 0xe9\); read it as Latin-1/);
  fails(file('l1s.csv', latin), { encoding: 'utf-8' }, /line 2: not valid UTF-8 .*--encoding latin1/);
  const utf8 = importDataset(file('u8.csv', 'text,label\ncafé ☕,pos\nnaïve,neg\n')).dataset;
  assert.equal(utf8.examples[0].text, 'café ☕');
  const u16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('text,label\nçà,pos\nb,neg\n', 'utf16le')]);
  assert.equal(importDataset(file('u16.csv', u16)).dataset.examples[0].text, 'çà');
});

test('bad inputs: missing file, empty, missing column, single class, binary, typo labels', () => {
  fails(join(dir, 'nope.csv'), {}, /nope\.csv: no such file or folder; give a CSV, TSV or JSONL file or a folder/);
  fails(file('empty.csv', ''), {}, /empty\.csv: the file is empty; it needs a header row/);
  fails(file('header-only.csv', 'text,label\n'), {}, /header-only\.csv: no examples found; add one row per example/);
  fails(file('cols.csv', 'body_text,stars\nx,1\ny,2\n'), {}, /cols\.csv line 1: no text column \(columns found: "body_text", "stars"; .*--text-column/);
  fails(file('cols2.csv', 'text,stars\nx,1\ny,2\n'), {}, /no label column \(columns found: "text", "stars".*--label-column/);
  fails(file('cols3.csv', 'text,label\nx,1\ny,2\n'), { textColumn: 'review' }, /no column "review" \(columns found: "text", "label"\); pass one of those with --text-column/);
  fails(file('one.csv', `text,label\n${rows(5, 'pos')}\n`), {}, /every example has the label "pos"; a classifier needs at least two classes/);
  // An evaluation file given with the training labels may hold one class.
  const evalOnly = importDataset(file('one-eval.csv', `text,label\n${rows(5, 'pos')}\n`), { labels: ['neg', 'pos'], allowSingleClass: true }).dataset;
  assert.deepEqual(evalOnly.examples.map((e) => e.label), [1, 1, 1, 1, 1]);
  fails(file('bin.csv', Buffer.from([0x50, 0x4b, 3, 4, 0, 0, 1, 2])), {}, /bin\.csv line 1: binary content \(NUL byte at offset 4\) \(it is a ZIP archive/);
  fails(file('ext.xlsx', 'x'), {}, /unknown file type "\.xlsx"/);
  fails(file('u16-nobom.csv', Buffer.from('text,label\nabc,pos\n', 'utf16le')), {}, /binary content .*looks like UTF-16 without a byte-order mark: re-save it as UTF-8/);
  const typo = `text,label\n${rows(40, 'positive')}\n${rows(40, 'negative', 'u')}\nodd one,postive\n`;
  fails(file('typo.csv', typo), {}, /label "postive" \(1x, at line 82\) looks like a typo of "positive" \(40x\); correct it or map it with --label-map "postive=positive"/);
  // Mapping the typo fixes it; genuine rare short labels are not flagged.
  assert.equal(importDataset(file('typo2.csv', typo), { labelMap: { postive: 'positive' } }).dataset.labels.length, 2);
  const cased = `text,label\n${rows(30, 'Positive')}\n${rows(20, 'positive', 'v')}\n${rows(40, 'negative', 'u')}\n`;
  fails(file('case.csv', cased), {}, /label "positive" \(20x, at line 32, 33, 34, 35, 36 and 15 more\) differs only in letter case from "Positive" \(30x\); .*--label-map "positive=Positive"/);
  const rare = importDataset(file('rare.csv', `text,label\n${rows(40, '0')}\n${rows(1, '1')}\n`)).dataset;
  assert.deepEqual(rare.labels, ['0', '1']);
});

test('empty texts list their lines; duplicated texts are a warning with counts and ids', () => {
  const csv = 'text,label\ngood,pos\n  ,neg\nbad,neg\n"",pos\n';
  fails(file('e.csv', csv), {}, /2 empty text\(s\) at line\(s\) 3, 5; fill them in or delete those rows/);
  const dup = 'text,label\ngood film,pos\nbad film,neg\ngood   film,pos\nbad film,pos\nother,neg\n';
  const { warnings } = importDataset(file('dup.csv', dup));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /2 text\(s\) appear more than once \(2 extra copies, 1 with different labels\), e\.g\. row1 = row3; row2 = row4/);
});

test('JSON: an array of objects, or one array under a key; items named in errors', () => {
  const arr = [{ sentence: 'good one', polarity: 'pos' }, { sentence: 'bad one', polarity: 'neg' }];
  const d = importDataset(file('d.json', JSON.stringify(arr))).dataset;
  assert.deepEqual(d.examples.map((e) => [e.id, e.text, d.labels[e.label]]), [['row1', 'good one', 'pos'], ['row2', 'bad one', 'neg']]);
  const wrapped = importDataset(file('w.json', JSON.stringify({ version: 2, data: arr })));
  assert.ok(wrapped.dataset.provenance.notes?.includes('examples from key "data"'));
  fails(file('item.json', JSON.stringify([...arr, { sentence: 'x' }])), {}, /item\.json item 3: no "polarity" key \(keys found: sentence\); every object needs "sentence" and "polarity"/);
  fails(file('lines.json', '{"text": "a", "label": 1}\n{"text": "b", "label": 0}\n'), {}, /not valid JSON .*\(it looks like JSON Lines: rename it to \.jsonl\)/);
  fails(file('null.json', 'null'), {}, /expected an array of objects/);
});

test('duplicate normalisation: the no-copy path gives what the whitespace replace gives; a changed text gets a new key', () => {
  const texts = ['plain text here', ' lead', 'trail ', 'two  spaces', 'tab\there', 'line\nend', 'crlf\r\nx', '', ' ', 'a\u00a0b', 'ok.'];
  for (const t of texts) assert.equal(normalizeForDuplicates(t), t.replace(/\s+/g, ' ').trim(), JSON.stringify(t));
  const e = { id: 'a', text: 'same  text', label: 0 };
  const k = exampleKey(e);
  const copy = { id: 'b', text: 'same text', label: 1 };
  assert.equal(k, exampleKey(copy));
  e.text = 'other text';
  assert.notEqual(exampleKey(e), k);
});
