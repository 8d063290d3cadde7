// Tokenized data cached on disk per (tokenizer, long-text strategy and max length, texts): a fine-tuning run, its
// probe and a rerun with other optimizer settings tokenize the same 35,000 training texts once. An entry is one
// binary file (./tokenRows.ts: a JSON header line, then Int32 rows: doc, window, label, length, and the ids),
// written row by row to a temporary name and renamed; training reads it back one batch at a time
// (cachedTokenRows). The newest MAX_ENTRIES are kept. A missing, stale or damaged entry is tokenized again.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { EncodedRow } from './strategies';
import { memoryTokenRows, openTokenRows, writeTokenRows, type TokenRows } from './tokenRows';

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

let tempCount = 0;

/** Keeps the newest MAX_ENTRIES entries of the folder. */
function prune(dir: string): void {
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

/** Rows produced one at a time (encodeDocumentsEach, encodeSentencePiecesEach). */
export type EncodeEach = (emit: (row: EncodedRow) => void) => void;

export interface CachedTokenRows {
  rows: TokenRows;
  /** 'hit': read from the cache; 'miss': tokenized (and written); 'off': tokenized into a temporary file. */
  cache: 'hit' | 'miss' | 'off';
}

/**
 * The encoded rows of docs as TokenRows over a file (./tokenRows.ts): the cache entry for (key, docs) when one
 * exists, else tokenized straight into a new entry, row by row, so tokenizing never holds the whole split in
 * memory. dir null: a temporary file, removed by rows.close(). Failing to write a file (a read-only home, a full
 * disk) is not an error: the rows are then kept in memory. The caller closes the rows.
 */
export function cachedTokenRows(
  key: TokenCacheKey,
  docs: readonly { text: string; label?: number }[],
  each: EncodeEach,
  dir: string | null = defaultTokenCacheDir(),
): CachedTokenRows {
  const inMemory = (): TokenRows => {
    const rows: EncodedRow[] = [];
    each((r) => rows.push(r));
    return memoryTokenRows(rows);
  };
  if (dir === null) {
    const tmp = join(tmpdir(), `gft-tokens-${process.pid}-${Date.now()}-${tempCount++}.tokens`);
    try {
      return { rows: writeTokenRows(tmp, (rows) => ({ v: TOKEN_CACHE_VERSION, name: 'temporary', rows }), each, true), cache: 'off' };
    } catch {
      return { rows: inMemory(), cache: 'off' };
    }
  }
  const name = tokenCacheName(key, docs);
  const file = join(dir, `${name}.tokens`);
  const hit = openTokenRows(file, (h) => (h.v === TOKEN_CACHE_VERSION && h.name === name && Number.isInteger(h.rows) ? (h.rows as number) : undefined));
  if (hit) {
    try {
      const now = new Date();
      utimesSync(file, now, now); // the newest entries are the ones kept
    } catch {
      // pruned meanwhile: the file stays readable while open
    }
    return { rows: hit, cache: 'hit' };
  }
  let rows: TokenRows;
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    rows = writeTokenRows(tmp, (n) => ({ v: TOKEN_CACHE_VERSION, name, rows: n }), each);
    try {
      renameSync(tmp, file);
      prune(dir);
    } catch {
      // the rows stay readable through the open file
    }
  } catch {
    // An error of the tokenizer itself comes back from here too.
    rows = inMemory();
  }
  return { rows, cache: 'miss' };
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
  const r = cachedTokenRows(key, docs, (emit) => encode().forEach(emit), dir);
  try {
    return { rows: Array.from({ length: r.rows.length }, (_, i) => r.rows.get(i)), cache: r.cache };
  } finally {
    r.rows.close();
  }
}
