// Frozen embeddings cached on disk, one file per text, under a folder per encoder setting: key = (model hash,
// pooling / long-text strategy, max length). A second baseline on the same data, every fold of the embeddings
// cross-validation after the first, and the domain-shift evaluation of a frozen-embedding run read the vectors
// instead of running the encoder again.
//
// Where: $GFT_EMBEDDING_CACHE, else ~/.cache/guided-finetune/embeddings (beside the token cache,
// src/host/tokenize/cache.ts); GFT_EMBEDDING_CACHE=off turns it off. `gft cache` prints its size, `gft cache clear`
// and the extension's "Clear Embedding Cache" empty it.
// Layout: <dir>/<setting hash>/setting.json (what the hash stands for) and <dir>/<setting hash>/<ab>/<text hash>.emb.
// An entry: "GFTEMB1\n", uint32 dimension, the first 8 bytes of the SHA-256 of the vector's bytes, the float32
// vector. Written to a temp file and renamed, so concurrent runs never see a partial entry; a reader treats a
// missing, short or damaged entry (wrong magic, size or checksum) as absent, and the vector is computed and written again.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { EMBED_GROUP_TEXTS } from './embedGroups';

export const EMBEDDING_CACHE_VERSION = 1;
const MAGIC = Buffer.from('GFTEMB1\n', 'latin1');
const HEAD = MAGIC.length + 4 + 8;

/** The cache folder, or null when GFT_EMBEDDING_CACHE=off. */
export function defaultEmbeddingCacheDir(): string | null {
  const env = process.env.GFT_EMBEDDING_CACHE;
  if (env === 'off') return null;
  return env ? resolve(env) : join(homedir(), '.cache', 'guided-finetune', 'embeddings');
}

export interface EmbeddingCacheKey {
  /** What identifies the encoder's weights: e.g. { id, revision, fileHashes } or the starter package's file hashes. */
  model: unknown;
  /** How a text becomes one vector: pooling or long-text strategy, and everything it depends on. */
  pooling: string;
  /** Tokens per window, when the encoder has a setting for it. */
  maxLength?: number;
  /** Vector length. */
  dim: number;
}

export function settingHash(key: EmbeddingCacheKey): string {
  return createHash('sha256')
    .update(JSON.stringify({ v: EMBEDDING_CACHE_VERSION, ...key }))
    .digest('hex')
    .slice(0, 24);
}

export function textHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 40);
}

function entryPath(settingDir: string, h: string): string {
  return join(settingDir, h.slice(0, 2), `${h}.emb`);
}

function checksum(payload: Uint8Array): Buffer {
  return createHash('sha256').update(payload).digest().subarray(0, 8);
}

/** The cached vector of one entry file, or undefined when it is missing or damaged. */
export function readEntry(file: string, dim: number): Float32Array | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return undefined;
  }
  if (buf.length !== HEAD + 4 * dim || !buf.subarray(0, MAGIC.length).equals(MAGIC) || buf.readUInt32LE(MAGIC.length) !== dim) return undefined;
  const payload = buf.subarray(HEAD);
  if (!checksum(payload).equals(buf.subarray(MAGIC.length + 4, HEAD))) return undefined;
  const out = new Float32Array(dim);
  new Uint8Array(out.buffer).set(payload);
  return out;
}

function writeEntry(file: string, v: Float32Array): void {
  const payload = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const head = Buffer.alloc(HEAD);
  MAGIC.copy(head);
  head.writeUInt32LE(v.length, MAGIC.length);
  checksum(payload).copy(head, MAGIC.length + 4);
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, Buffer.concat([head, payload]));
  renameSync(tmp, file);
}

export interface CachedEmbeddings {
  rows: Float32Array[];
  /** texts read from the cache */
  hits: number;
  /** texts the encoder embedded (distinct texts not in the cache) */
  embedded: number;
  /** 'off' when there was no cache folder; 'unwritable' when writing failed (the vectors are still returned) */
  cache: 'on' | 'off' | 'unwritable';
}

/**
 * Vectors of texts: read from the cache where an entry exists, the rest (each distinct text once) from embed(),
 * then stored. Progress counts the cached texts as done at once. dir null: no cache. Failing to write (a read-only
 * home) is not an error.
 */
export async function cachedEmbed(
  key: EmbeddingCacheKey,
  texts: readonly string[],
  embed: (texts: string[], onProgress: (done: number, total: number) => void) => Promise<Float32Array[]>,
  onProgress: (done: number, total: number) => void = () => undefined,
  dir: string | null = defaultEmbeddingCacheDir(),
): Promise<CachedEmbeddings> {
  if (dir === null) return { rows: await embed([...texts], onProgress), hits: 0, embedded: texts.length, cache: 'off' };
  const settingDir = join(dir, settingHash(key));
  const hashes = texts.map(textHash);
  const found = new Map<string, Float32Array>();
  for (const h of new Set(hashes)) {
    const v = readEntry(entryPath(settingDir, h), key.dim);
    if (v) found.set(h, v);
  }
  const missing: { h: string; text: string }[] = [];
  const seen = new Set<string>();
  texts.forEach((t, i) => {
    if (!found.has(hashes[i]) && !seen.has(hashes[i])) {
      seen.add(hashes[i]);
      missing.push({ h: hashes[i], text: t });
    }
  });
  const hits = texts.length - hashes.filter((h) => !found.has(h)).length;
  let cache: CachedEmbeddings['cache'] = 'on';
  if (missing.length) {
    try {
      mkdirSync(settingDir, { recursive: true });
      const meta = join(settingDir, 'setting.json');
      if (!existsSync(meta)) writeFileSync(meta, JSON.stringify({ v: EMBEDDING_CACHE_VERSION, ...key }, null, 2) + '\n');
    } catch {
      cache = 'unwritable';
    }
    // In chunks of EMBED_GROUP_TEXTS (the groups the encoders stream anyway), each stored as soon as it is
    // embedded: a cancelled or killed job keeps what it finished, and the next one starts from there.
    for (let at = 0; at < missing.length; at += EMBED_GROUP_TEXTS) {
      const chunk = missing.slice(at, at + EMBED_GROUP_TEXTS);
      const vectors = await embed(
        chunk.map((m) => m.text),
        (done) => onProgress(hits + Math.round(((at + done) / missing.length) * (texts.length - hits)), texts.length),
      );
      chunk.forEach((m, i) => {
        found.set(m.h, vectors[i]);
        if (cache !== 'on') return;
        try {
          mkdirSync(join(settingDir, m.h.slice(0, 2)), { recursive: true });
          writeEntry(entryPath(settingDir, m.h), vectors[i]);
        } catch {
          cache = 'unwritable';
        }
      });
    }
  } else {
    onProgress(texts.length, texts.length);
  }
  return { rows: hashes.map((h) => found.get(h)!), hits, embedded: missing.length, cache };
}

export interface EmbeddingCacheSize {
  dir: string;
  /** encoder settings (model, pooling, max length) with entries */
  settings: number;
  entries: number;
  bytes: number;
}

/** Walks the cache folder: settings, entries and bytes (0s when it does not exist). */
export function embeddingCacheSize(dir: string): EmbeddingCacheSize {
  const out = { dir, settings: 0, entries: 0, bytes: 0 };
  if (!existsSync(dir)) return out;
  const walk = (p: string): void => {
    for (const d of readdirSync(p, { withFileTypes: true })) {
      const f = join(p, d.name);
      if (d.isDirectory()) walk(f);
      else {
        try {
          out.bytes += statSync(f).size;
          if (d.name.endsWith('.emb')) out.entries++;
        } catch {
          // removed meanwhile by another process
        }
      }
    }
  };
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    out.settings++;
    walk(join(dir, d.name));
  }
  return out;
}

/** Removes every entry (the folder itself stays); returns what was there. Safe beside running jobs: they re-embed. */
export function clearEmbeddingCache(dir: string): EmbeddingCacheSize {
  const before = embeddingCacheSize(dir);
  if (!existsSync(dir)) return before;
  for (const d of readdirSync(dir)) rmSync(join(dir, d), { recursive: true, force: true });
  return before;
}

/** Human-readable size, e.g. "3 encoder settings, 12,662 texts, 25.9 MiB in /home/u/.cache/guided-finetune/embeddings". */
export function formatCacheSize(s: EmbeddingCacheSize): string {
  return `${s.settings} encoder setting${s.settings === 1 ? '' : 's'}, ${s.entries.toLocaleString('en-US')} text${s.entries === 1 ? '' : 's'}, ${(s.bytes / 2 ** 20).toFixed(1)} MiB in ${s.dir}`;
}

/** The host's cache/embeddings request: the size, or (clear) what was removed. */
export function embeddingCacheRequest(
  p: { clear?: boolean } | undefined,
  dir: string | null = defaultEmbeddingCacheDir(),
): { dir: string | null; settings: number; entries: number; bytes: number; cleared: boolean } {
  if (dir === null) return { dir: null, settings: 0, entries: 0, bytes: 0, cleared: false };
  const s = p?.clear ? clearEmbeddingCache(dir) : embeddingCacheSize(dir);
  return { ...s, cleared: Boolean(p?.clear) };
}
