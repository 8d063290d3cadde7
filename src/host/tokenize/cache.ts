// Tokenized data cached on disk per (tokenizer, long-text strategy and max length, texts): a fine-tuning run, its
// probe and a rerun with other optimizer settings tokenize the same 35,000 training texts once. An entry is one
// binary file (a JSON header line, then Int32 rows: doc, window, label, length, and the ids), written atomically;
// the newest MAX_ENTRIES are kept. A missing, stale or damaged entry is simply tokenized again.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { EncodedRow } from './strategies';

export const TOKEN_CACHE_VERSION = 1;
export const MAX_ENTRIES = 8;

export function defaultTokenCacheDir(): string {
  return process.env.GFT_TOKEN_CACHE ? resolve(process.env.GFT_TOKEN_CACHE) : join(homedir(), '.cache', 'guided-finetune', 'tokens');
}

export interface TokenCacheKey {
  /** What identifies the tokenizer: the model reference (id, revision, file hashes). */
  tokenizer: unknown;
  /** The long-text strategy and everything it depends on (max length, overlap, ...). */
  strategy: unknown;
}

/** The entry's name: SHA-256 over the tokenizer, the strategy and every text and label in order. */
export function tokenCacheName(key: TokenCacheKey, docs: readonly { text: string; label?: number }[]): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: TOKEN_CACHE_VERSION, tokenizer: key.tokenizer, strategy: key.strategy, n: docs.length }));
  for (const d of docs) h.update(`\n${d.label ?? ''}\t${d.text.length}\t`).update(d.text);
  return h.digest('hex').slice(0, 40);
}

function serialize(rows: readonly EncodedRow[]): Int32Array {
  let n = 0;
  for (const r of rows) n += 4 + r.ids.length;
  const out = new Int32Array(n);
  let p = 0;
  for (const r of rows) {
    out[p++] = r.doc;
    out[p++] = r.window;
    out[p++] = r.label ?? -1;
    out[p++] = r.ids.length;
    for (let j = 0; j < r.ids.length; j++) out[p++] = r.ids[j];
  }
  return out;
}

function deserialize(data: Int32Array, count: number): EncodedRow[] | undefined {
  const rows: EncodedRow[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 4 > data.length) return undefined;
    const [doc, window, label, len] = [data[p], data[p + 1], data[p + 2], data[p + 3]];
    p += 4;
    if (len < 0 || p + len > data.length) return undefined;
    const row: EncodedRow = { ids: Array.from(data.subarray(p, p + len)), doc, window };
    if (label >= 0) row.label = label;
    rows.push(row);
    p += len;
  }
  return p === data.length ? rows : undefined;
}

function read(file: string, name: string): EncodedRow[] | undefined {
  try {
    const buf = readFileSync(file);
    const nl = buf.indexOf(10);
    if (nl < 0) return undefined;
    const head = JSON.parse(buf.subarray(0, nl).toString('utf8')) as { v: number; name: string; rows: number };
    if (head.v !== TOKEN_CACHE_VERSION || head.name !== name) return undefined;
    const body = buf.subarray(nl + 1);
    if (body.byteLength % 4 !== 0) return undefined;
    const data = new Int32Array(body.byteLength / 4);
    new Uint8Array(data.buffer).set(body);
    return deserialize(data, head.rows);
  } catch {
    return undefined;
  }
}

function write(dir: string, file: string, name: string, rows: readonly EncodedRow[]): void {
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const data = serialize(rows);
  // Header padded so the Int32 body starts at a multiple of 4 bytes.
  let head = JSON.stringify({ v: TOKEN_CACHE_VERSION, name, rows: rows.length });
  while ((Buffer.byteLength(head) + 1) % 4 !== 0) head += ' ';
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, `${head}\n`);
    writeSync(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const entries = readdirSync(dir)
    .filter((f) => f.endsWith('.tokens'))
    .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const e of entries.slice(MAX_ENTRIES)) {
    try {
      unlinkSync(join(dir, e.f));
    } catch {
      // another process pruned it first
    }
  }
}

export interface CachedRows {
  rows: EncodedRow[];
  /** 'hit': read from the cache; 'miss': tokenized (and written); 'off': tokenized, no cache. */
  cache: 'hit' | 'miss' | 'off';
}

/**
 * The encoded rows of docs: from the cache when an entry for (key, docs) exists, else from encode() (then
 * stored). dir null turns the cache off. Failing to write the cache (a read-only home) is not an error.
 */
export function cachedEncode(
  key: TokenCacheKey,
  docs: readonly { text: string; label?: number }[],
  encode: () => EncodedRow[],
  dir: string | null = defaultTokenCacheDir(),
): CachedRows {
  if (dir === null) return { rows: encode(), cache: 'off' };
  const name = tokenCacheName(key, docs);
  const file = join(dir, `${name}.tokens`);
  if (existsSync(file)) {
    const rows = read(file, name);
    if (rows) {
      try {
        const now = new Date();
        utimesSync(file, now, now); // the newest entries are the ones kept
      } catch {
        // pruned meanwhile: the rows are read already
      }
      return { rows, cache: 'hit' };
    }
  }
  const rows = encode();
  try {
    write(dir, file, name, rows);
  } catch {
    // no cache this time
  }
  return { rows, cache: 'miss' };
}
