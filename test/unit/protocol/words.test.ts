// wordCount counts without building tokens; it must equal the count of /\S+/g for every separator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wordCount } from '../../../src/protocol';

test('wordCount equals the number of /\\S+/g matches for every UTF-16 code unit as a separator', () => {
  const ref = (t: string) => (t.match(/\S+/g) ?? []).length;
  for (let c = 0; c < 0x10000; c++) {
    const ch = String.fromCharCode(c);
    const t = `a${ch}b${ch}${ch}c ${ch}`;
    assert.equal(wordCount(t), ref(t), `separator U+${c.toString(16).padStart(4, '0')}`);
  }
  assert.equal(wordCount(''), 0);
  assert.equal(wordCount('   \n\t'), 0);
  assert.equal(wordCount("isn't -- film."), 3);
});
