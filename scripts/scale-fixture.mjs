#!/usr/bin/env node
// Writes an N-row CSV (id,text,label) for the scale benchmarks from the built-in movie reviews: row i takes one
// review (cycling through the 2000 in a seeded shuffled order) and keeps a seeded random 60% of its sentences in
// their original order; the review's label is kept. Deterministic for (N, seed); nothing large is committed.
//   node scripts/scale-fixture.mjs --rows 50000 --out /tmp/reviews-50000.csv [--seed 1] [--keep 0.6]
import { createWriteStream, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(items, rand) {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** The reviews are one sentence a line; a line is a sentence. */
export function sentences(text) {
  return text
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const csvField = (s) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Yields N rows {id, text, label}. */
export function* scaleRows(reviews, n, seed = 1, keep = 0.6) {
  const rand = mulberry32(seed);
  let order = [];
  for (let i = 0; i < n; i++) {
    if (i % reviews.length === 0) order = shuffle(reviews, rand);
    const r = order[i % reviews.length];
    const s = sentences(r.text);
    const k = Math.max(1, Math.round(s.length * keep));
    const chosen = shuffle(
      s.map((_, j) => j),
      rand,
    )
      .slice(0, k)
      .sort((a, b) => a - b);
    yield { id: `r${i}`, text: chosen.map((j) => s[j]).join(' '), label: r.label };
  }
}

export function loadReviews(root) {
  const raw = gunzipSync(readFileSync(join(root, 'data', 'movie-reviews.jsonl.gz'))).toString('utf8');
  return raw
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

export async function writeScaleCsv(out, n, seed = 1, keep = 0.6, root = join(dirname(fileURLToPath(import.meta.url)), '..')) {
  const reviews = loadReviews(root);
  const ws = createWriteStream(out);
  const write = (s) => (ws.write(s) ? Promise.resolve() : new Promise((r) => ws.once('drain', r)));
  await write('id,text,label\n');
  for (const row of scaleRows(reviews, n, seed, keep)) await write(`${row.id},${csvField(row.text)},${row.label}\n`);
  await new Promise((r, j) => ws.end((e) => (e ? j(e) : r())));
}

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const n = Number(arg('rows', ''));
  const out = arg('out', '');
  const seed = Number(arg('seed', '1'));
  const keep = Number(arg('keep', '0.6'));
  if (!Number.isInteger(n) || n < 1 || !out || !Number.isInteger(seed) || !(keep > 0 && keep <= 1)) {
    console.error('usage: node scripts/scale-fixture.mjs --rows N --out FILE.csv [--seed 1] [--keep 0.6]  (N a positive integer, keep in (0, 1])');
    process.exit(2);
  }
  await writeScaleCsv(out, n, seed, keep);
  console.log(`wrote ${out}: ${n} rows (seed ${seed}, ${Math.round(keep * 100)}% of each review's sentences)`);
}
