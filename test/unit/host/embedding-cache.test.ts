// The embedding cache (src/host/jobs/embeddingCache.ts): a second frozen-embedding baseline on the same data calls
// the encoder for no text and gives identical probabilities; a damaged entry is ignored, re-embedded and
// rewritten; concurrent writers leave only whole entries; `gft cache` shows the size and `gft cache clear` empties it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UseLiteEmbedder } from '../../../src/engine/models/useLite';
import { runEmbeddingBaseline } from '../../../src/host/jobs';
import { cachedEmbed, embeddingCacheRequest, embeddingCacheSize, readEntry, settingHash, textHash } from '../../../src/host/jobs/embeddingCache';
import { RunFolder } from '../../../src/host/runs';
import { main, type Io } from '../../../src/host/cli';

const key = { model: { id: 'fake', sha256: 'abc' }, pooling: 'test', maxLength: 8, dim: 4 };
const vec = (t: string) => Float32Array.from([t.length, t.charCodeAt(0), 1 / (t.length + 1), -t.length]);

function counting() {
  const seen: string[] = [];
  const embed = async (texts: string[]) => {
    seen.push(...texts);
    return texts.map(vec);
  };
  return { seen, embed };
}

function entryFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    for (const d of readdirSync(p, { withFileTypes: true })) {
      if (d.isDirectory()) walk(join(p, d.name));
      else out.push(join(p, d.name));
    }
  };
  walk(dir);
  return out;
}

test('cachedEmbed: misses embedded once (duplicates too), hits read back bit-identical, other settings apart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-emb-'));
  const texts = ['a good film', 'bad', 'a good film', 'très bien'];
  const c1 = counting();
  const first = await cachedEmbed(key, texts, c1.embed, undefined, dir);
  assert.deepEqual(c1.seen, ['a good film', 'bad', 'très bien'], 'each distinct text embedded once');
  assert.equal(first.hits, 0);
  assert.equal(first.embedded, 3);
  const c2 = counting();
  const second = await cachedEmbed(key, [...texts, 'new one'], c2.embed, undefined, dir);
  assert.deepEqual(c2.seen, ['new one']);
  assert.equal(second.hits, 4);
  texts.forEach((t, i) => assert.deepEqual(Array.from(second.rows[i]), Array.from(vec(t))));
  // another pooling or max length is another setting: nothing read from the first
  const c3 = counting();
  await cachedEmbed({ ...key, maxLength: 16 }, texts, c3.embed, undefined, dir);
  assert.equal(c3.seen.length, 3);
  const size = embeddingCacheSize(dir);
  assert.equal(size.settings, 2);
  assert.equal(size.entries, 7);
  assert.ok(size.bytes >= 7 * (20 + 16));
  // off: no folder, everything embedded
  const c4 = counting();
  const off = await cachedEmbed(key, texts, c4.embed, undefined, null);
  assert.equal(off.cache, 'off');
  assert.equal(c4.seen.length, 4);
});

test('cachedEmbed: a damaged entry (truncated, flipped byte, garbage) is ignored, re-embedded and rewritten', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-emb-'));
  const texts = ['one', 'two', 'three'];
  await cachedEmbed(key, texts, counting().embed, undefined, dir);
  const file = (t: string) => join(dir, settingHash(key), textHash(t).slice(0, 2), `${textHash(t)}.emb`);
  const whole = readFileSync(file('one'));
  writeFileSync(file('one'), whole.subarray(0, whole.length - 3));
  const flipped = Buffer.from(readFileSync(file('two')));
  flipped[flipped.length - 1] ^= 0x40;
  writeFileSync(file('two'), flipped);
  assert.equal(readEntry(file('one'), 4), undefined);
  assert.equal(readEntry(file('two'), 4), undefined, 'checksum catches a changed value');
  const c = counting();
  const r = await cachedEmbed(key, texts, c.embed, undefined, dir);
  assert.deepEqual(c.seen, ['one', 'two']);
  assert.equal(r.hits, 1);
  assert.deepEqual(Array.from(r.rows[1]), Array.from(vec('two')));
  assert.deepEqual(Array.from(readEntry(file('one'), 4)!), Array.from(vec('one')), 'rewritten');
  assert.deepEqual(Array.from(readEntry(file('two'), 4)!), Array.from(vec('two')), 'rewritten');
  const again = counting();
  await cachedEmbed(key, texts, again.embed, undefined, dir);
  assert.equal(again.seen.length, 0);
});

test('cachedEmbed: stored a group at a time, so a job stopped in its second group keeps the first 512 texts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-emb-'));
  const texts = Array.from({ length: 700 }, (_, i) => `review ${i}`);
  let calls = 0;
  const stopping = async (ts: string[]) => {
    if (++calls === 2) throw new Error('cancelled');
    return ts.map(vec);
  };
  await assert.rejects(cachedEmbed(key, texts, stopping, undefined, dir), /cancelled/);
  assert.equal(embeddingCacheSize(dir).entries, 512);
  const c = counting();
  const seen: number[] = [];
  const r = await cachedEmbed(
    key,
    texts,
    async (ts, p) => {
      p(ts.length, ts.length);
      return c.embed(ts);
    },
    (done) => seen.push(done),
    dir,
  );
  assert.equal(r.hits, 512);
  assert.deepEqual(c.seen, texts.slice(512));
  assert.deepEqual(seen, [700], 'progress counts the cached texts as done');
});

test('cachedEmbed: concurrent writers of the same texts leave whole entries and no temp files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-emb-'));
  const texts = Array.from({ length: 200 }, (_, i) => `text ${i}`);
  const slow = async (ts: string[]) => {
    await new Promise((r) => setTimeout(r, 5));
    return ts.map(vec);
  };
  const rs = await Promise.all([1, 2, 3].map(() => cachedEmbed(key, texts, slow, undefined, dir)));
  for (const r of rs) texts.forEach((t, i) => assert.deepEqual(Array.from(r.rows[i]), Array.from(vec(t))));
  const files = entryFiles(join(dir, settingHash(key)));
  assert.equal(files.filter((f) => f.endsWith('.tmp')).length, 0);
  assert.equal(files.filter((f) => f.endsWith('.emb')).length, 200);
  for (const f of files.filter((x) => x.endsWith('.emb'))) assert.ok(readEntry(f, 4));
});

test('frozen-embedding baseline: the second run on the same data calls the encoder for no text and gives identical probabilities', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-emb-cache-'));
  const root = mkdtempSync(join(tmpdir(), 'gft-emb-runs-'));
  const saved = process.env.GFT_EMBEDDING_CACHE;
  process.env.GFT_EMBEDDING_CACHE = dir;
  const proto = UseLiteEmbedder.prototype as unknown as { embed: (...a: unknown[]) => Promise<Float32Array> };
  const original = proto.embed;
  let calls = 0;
  let windows = 0;
  proto.embed = function (this: unknown, ...a: unknown[]) {
    calls++;
    windows += (a[0] as unknown[]).length;
    return original.apply(this, a);
  };
  try {
    const src = {
      kind: 'embeddings' as const,
      trainFile: 'test/fixtures/host/tiny-train.jsonl',
      evalFile: 'test/fixtures/host/tiny-eval.jsonl',
      runsRoot: root,
      seed: 42,
    };
    const a = await runEmbeddingBaseline({ ...src, runId: 'first' });
    assert.equal(a.status, 'completed', a.error);
    assert.ok(calls > 0 && windows >= 80, `first run embedded ${windows} windows in ${calls} calls`);
    const size = embeddingCacheSize(dir);
    assert.equal(size.entries, 80, 'every text of the 60 + 20 is cached');
    calls = 0;
    windows = 0;
    const b = await runEmbeddingBaseline({ ...src, runId: 'second' });
    assert.equal(b.status, 'completed', b.error);
    assert.equal(calls, 0, 'no encoder call on the second run');
    const pa = RunFolder.open(a.runDir).readPredictions();
    const pb = RunFolder.open(b.runDir).readPredictions();
    assert.equal(pa.length, pb.length);
    assert.deepEqual(pb, pa, 'identical predictions and probabilities');
    assert.match(readFileSync(join(b.runDir, 'log.txt'), 'utf8'), /embedding cache: \d+ read, 0 embedded/);
    // the clear request (the extension's Clear Embedding Cache) empties it; the next run embeds again
    const removed = embeddingCacheRequest({ clear: true }, dir);
    assert.equal(removed.cleared, true);
    assert.equal(removed.entries, 80);
    assert.equal(embeddingCacheSize(dir).entries, 0);
    await runEmbeddingBaseline({ ...src, runId: 'third' });
    assert.ok(calls > 0);
  } finally {
    proto.embed = original;
    if (saved === undefined) delete process.env.GFT_EMBEDDING_CACHE;
    else process.env.GFT_EMBEDDING_CACHE = saved;
  }
});

test('gft cache prints the size; gft cache clear empties it; a bad argument is one line, exit 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-emb-cli-'));
  await cachedEmbed(key, ['x', 'y', 'z'], counting().embed, undefined, dir);
  const saved = process.env.GFT_EMBEDDING_CACHE;
  process.env.GFT_EMBEDDING_CACHE = dir;
  const gft = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), isTTY: false };
    return { code: await main(argv, io), out: out.join('\n'), err: err.join('\n') };
  };
  try {
    const show = await gft('cache');
    assert.equal(show.code, 0, show.err);
    assert.match(show.out, new RegExp(`^embedding cache: 1 encoder setting, 3 texts, 0\\.0 MiB in ${dir}$`));
    const json = JSON.parse((await gft('cache', '--json')).out) as { entries: number; bytes: number };
    assert.equal(json.entries, 3);
    assert.ok(json.bytes > 0);
    const clear = await gft('cache', 'clear');
    assert.equal(clear.code, 0);
    assert.match(clear.out, /^embedding cache cleared: removed 1 encoder setting, 3 texts/);
    assert.equal(embeddingCacheSize(dir).entries, 0);
    assert.match((await gft('cache')).out, /0 encoder settings, 0 texts, 0\.0 MiB/);
    const bad = await gft('cache', 'purge');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /unknown argument 'purge': use `gft cache` or `gft cache clear`/);
    assert.ok(!bad.err.includes('\n    at '));
  } finally {
    if (saved === undefined) delete process.env.GFT_EMBEDDING_CACHE;
    else process.env.GFT_EMBEDDING_CACHE = saved;
  }
});
