import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadTexts } from '../../../src/ui/viewmodel/texts';

test('loadTexts reads {id, text} lines from plain and gzipped JSONL, skipping other lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-texts-'));
  try {
    const body = '{"id":"neg/cv000","text":"bad film","label":"neg"}\n{"note":"header"}\nnot json\n{"id":"pos/cv001","text":"great"}\n';
    writeFileSync(join(dir, 'a.jsonl'), body);
    writeFileSync(join(dir, 'a.jsonl.gz'), gzipSync(body));
    for (const f of ['a.jsonl', 'a.jsonl.gz']) {
      const t = loadTexts(join(dir, f));
      assert.equal(t.size, 2);
      assert.equal(t.get('neg/cv000'), 'bad film');
      assert.equal(t.get('pos/cv001'), 'great');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the built-in movie reviews in data/ resolve prediction ids to review texts', () => {
  const t = loadTexts(join(__dirname, '..', '..', '..', 'data', 'movie-reviews.jsonl.gz'));
  assert.equal(t.size, 2000);
  assert.match(t.get('neg/cv000_29416') ?? '', /^plot : two teen couples go to a church party/);
});
