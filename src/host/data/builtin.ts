// The built-in datasets shipped in data/: movie-reviews (scripts/pack_movie_reviews.mjs) and rt-polarity, the
// out-of-domain snippets (scripts/pack_rt_polarity.mjs). The extension ships data/ next to
// dist/, so the bundle finds it at dist/../data; tests and tsx run from the source tree (src/host/data/../../../data).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { datasetHash, sha256Hex } from './hash';
import { DatasetError, type Dataset, type Example } from './types';

export const BUILTIN_DATASETS = ['movie-reviews', 'rt-polarity'] as const;
export type BuiltinId = (typeof BUILTIN_DATASETS)[number];

/** Candidate data folders, most specific first: $GFT_DATA_DIR, the bundle's ../data, the source tree's data/. */
export function dataDirCandidates(): string[] {
  const c = [resolve(__dirname, '..', 'data'), resolve(__dirname, '..', '..', '..', 'data')];
  if (process.env.GFT_DATA_DIR) c.unshift(resolve(process.env.GFT_DATA_DIR));
  return c;
}

/** Absolute path of a shipped data file, trying each candidate folder; a one-line DatasetError if none has it. */
export function findDataFile(name: string): string {
  const tried = dataDirCandidates();
  for (const dir of tried) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new DatasetError(`built-in data file ${name} not found in ${tried.join(', ')}; reinstall the extension or set GFT_DATA_DIR to the folder holding it`);
}

interface BuiltinMeta {
  id: string;
  name: string;
  labels: string[];
  counts: Record<string, number>;
  provenance: { original: string; copy: string; packedBy?: string };
  citation: string;
  license: string;
  file: string;
  sha256: string;
}

export function isBuiltin(id: string): id is BuiltinId {
  return (BUILTIN_DATASETS as readonly string[]).includes(id);
}

/** Loads a built-in dataset, checking the packed file against the checksum recorded beside it. */
export function loadBuiltin(id: string): Dataset {
  if (!isBuiltin(id)) throw new DatasetError(`unknown built-in dataset "${id}"; choose one of: ${BUILTIN_DATASETS.join(', ')}`);
  const metaPath = findDataFile(`${id}.json`);
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as BuiltinMeta;
  const gzPath = findDataFile(meta.file);
  const gz = readFileSync(gzPath);
  if (sha256Hex(gz) !== meta.sha256) {
    throw new DatasetError(`${gzPath} does not match the sha256 in ${metaPath} (damaged or edited); restore it with \`node ${meta.provenance.packedBy ?? 'scripts/pack_movie_reviews.mjs'}\` or reinstall`);
  }
  const examples: Example[] = [];
  for (const line of gunzipSync(gz).toString('utf8').split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line) as { id: string; text: string; label: string; fold?: number };
    examples.push({ id: r.id, text: r.text, label: meta.labels.indexOf(r.label), fold: r.fold });
  }
  const labels = meta.labels.slice();
  return {
    id: meta.id,
    name: meta.name,
    labels,
    examples,
    hash: datasetHash({ labels, examples }),
    provenance: {
      source: meta.provenance.original,
      citation: meta.citation,
      license: meta.license,
      notes: [`copy: ${meta.provenance.copy}`, `packed file: ${gzPath} (sha256 ${meta.sha256})`],
    },
  };
}
