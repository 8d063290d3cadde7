// Content hashes: a dataset's hash covers its labels and every example (id, label name, text, fold), in id order,
// so reordering rows does not change it but any edit to a text or label does.
import { createHash } from 'node:crypto';
import type { Dataset } from './types';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function datasetHash(d: Pick<Dataset, 'labels' | 'examples'>): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ labels: d.labels }) + '\n');
  const sorted = d.examples.slice().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const e of sorted) h.update(JSON.stringify([e.id, d.labels[e.label], e.text, e.fold ?? null]) + '\n');
  return h.digest('hex');
}

/** JSON with object keys sorted at every level: the stable text that manifest checksums are taken over. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => [k, sortKeys(o[k])]));
  }
  return v;
}
