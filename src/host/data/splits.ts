// Seeded, stratified splits saved as manifests that every run refers to.
//
// Methods:
//   holdout        train / validation / test by fraction. Default 0.7 / 0.1 / 0.2: the chapter's 80/20 train/test
//                  split, with a validation set (10% of all data) carved out of the 80% for early stopping and
//                  model selection, so the test set is touched once.
//   kfold          stratified k folds (fold f is the test set); validation optionally carved from the rest.
//   canonical-fold the corpus' own folds (Example.fold), e.g. Pang & Lee's 10 folds: test = fold k.
// Stratified: each class is shuffled and cut separately, so every split keeps the class balance. Copies of the same
// text (whitespace-normalised) are kept together in one split, so duplicates cannot leak from train into test
// (except canonical folds, which are kept exactly as published; leakageReport shows any copies across them).
// Shuffles use mulberry32 (src/shared/prng.ts) seeded by `seed`: the same dataset and seed give the same split.
import { SettingError } from '../../shared/settings';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { duplicateWarning, exampleKey, findDuplicates, listSome } from './checks';
import { canonicalJson, sha256Hex } from './hash';
import { mulberry32, shuffled } from '../../shared/prng';
import { DatasetError, type Dataset, type Example } from './types';

export type SplitName = 'train' | 'validation' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];
export type SplitMethod = 'holdout' | 'kfold' | 'canonical-fold';

export interface SplitFractions {
  train: number;
  validation: number;
  test: number;
}
export const DEFAULT_FRACTIONS: SplitFractions = { train: 0.7, validation: 0.1, test: 0.2 };
export const DEFAULT_SEED = 42;

export interface SplitManifest {
  version: 1;
  datasetId: string;
  datasetHash: string;
  method: SplitMethod;
  seed: number;
  /** holdout only. */
  fractions?: SplitFractions;
  /** kfold / canonical-fold: number of folds and the 1-based fold used as the test set. */
  k?: number;
  fold?: number;
  /** kfold / canonical-fold: share of the non-test examples carved out as validation (0 = none). */
  validationFraction?: number;
  labels: string[];
  /** Examples per label in each split (index = label), for display and for checking stratification. */
  labelCounts: Record<SplitName, number[]>;
  ids: Record<SplitName, string[]>;
  /** sha256 of the canonical JSON of every other field: changes if anything in the manifest is edited. */
  sha256: string;
}

type Unit = { ids: string[]; label: number; key: string };

/** Groups examples into units (copies of the same text stay together), per label, in a canonical order. */
function unitsByLabel(ds: Dataset, examples: readonly Example[], groupCopies = true): Unit[][] {
  const byKey = new Map<string, Unit>();
  for (const e of examples) {
    const k = groupCopies ? exampleKey(e) : `\u0000${e.id}`;
    const u = byKey.get(k);
    if (u) u.ids.push(e.id);
    else byKey.set(k, { ids: [e.id], label: e.label, key: e.id });
  }
  const out: Unit[][] = ds.labels.map(() => []);
  for (const u of byKey.values()) {
    u.ids.sort();
    u.key = u.ids[0];
    out[u.label].push(u);
  }
  // Canonical order before shuffling, so the input order of rows does not change the split.
  for (const list of out) list.sort((a, b) => (a.key < b.key ? -1 : 1));
  return out;
}

function finish(ds: Dataset, base: Omit<SplitManifest, 'labels' | 'labelCounts' | 'sha256' | 'version' | 'datasetId' | 'datasetHash'>): SplitManifest {
  const labelOf = new Map(ds.examples.map((e) => [e.id, e.label]));
  const labelCounts = {} as Record<SplitName, number[]>;
  for (const s of SPLIT_NAMES) {
    base.ids[s].sort();
    labelCounts[s] = ds.labels.map(() => 0);
    for (const id of base.ids[s]) labelCounts[s][labelOf.get(id)!]++;
  }
  const body = { version: 1 as const, datasetId: ds.id, datasetHash: ds.hash, ...base, labels: ds.labels.slice(), labelCounts };
  return { ...body, sha256: manifestChecksum(body) };
}

export function manifestChecksum(m: Omit<SplitManifest, 'sha256'> & { sha256?: string }): string {
  const { sha256: _ignored, ...rest } = m;
  return sha256Hex(canonicalJson(rest));
}

function checkFraction(x: number, what: string): void {
  if (!(x >= 0 && x < 1)) throw new DatasetError(`${what} must be at least 0 and below 1 (got ${x}); e.g. 0.1`);
}

/** Train / validation / test by fractions (default 0.7 / 0.1 / 0.2), stratified by label. */
export function holdoutSplit(ds: Dataset, opts: { fractions?: Partial<SplitFractions>; seed?: number } = {}): SplitManifest {
  const seed = opts.seed ?? DEFAULT_SEED;
  const f0 = { ...DEFAULT_FRACTIONS, ...opts.fractions };
  checkFraction(f0.test, 'the test fraction');
  checkFraction(f0.validation, 'the validation fraction');
  if (opts.fractions?.train === undefined) f0.train = Math.round((1 - f0.test - f0.validation) * 1e9) / 1e9;
  if (Math.abs(f0.train + f0.validation + f0.test - 1) > 1e-9 || f0.train <= 0) {
    throw new SettingError(['split'], (n) => `the ${n('split')} must leave a positive share for training and add up to 1 with it (got train ${f0.train}, validation ${f0.validation}, test ${f0.test}); e.g. validation 0.1 and test 0.2`);
  }
  const rand = mulberry32(seed);
  const ids: Record<SplitName, string[]> = { train: [], validation: [], test: [] };
  for (const units of unitsByLabel(ds, ds.examples)) {
    const s = shuffled(units, rand);
    const nTest = Math.round(s.length * f0.test);
    const nVal = Math.round(s.length * f0.validation);
    s.forEach((u, i) => ids[i < nTest ? 'test' : i < nTest + nVal ? 'validation' : 'train'].push(...u.ids));
  }
  for (const sname of ['train', 'test'] as const) {
    if (ids[sname].length === 0) throw new DatasetError(`the ${sname} split of ${ds.id} is empty (${ds.examples.length} examples); use more data or a larger ${sname} fraction`);
  }
  return finish(ds, { method: 'holdout', seed, fractions: f0, ids });
}

/** Carves validation out of the non-test units, stratified, with the same PRNG stream. */
function carveValidation(units: Unit[][], isTest: (u: Unit) => boolean, vf: number, rand: () => number): Record<SplitName, string[]> {
  const ids: Record<SplitName, string[]> = { train: [], validation: [], test: [] };
  for (const list of units) {
    const rest: Unit[] = [];
    for (const u of list) {
      if (isTest(u)) ids.test.push(...u.ids);
      else rest.push(u);
    }
    const s = shuffled(rest, rand);
    const nVal = Math.round(s.length * vf);
    s.forEach((u, i) => ids[i < nVal ? 'validation' : 'train'].push(...u.ids));
  }
  return ids;
}

/** Stratified k-fold: all k manifests (fold f = test). Units are dealt round-robin across folds class by class. */
export function kFoldSplits(ds: Dataset, opts: { k?: number; seed?: number; validationFraction?: number } = {}): SplitManifest[] {
  const k = opts.k ?? 10;
  const seed = opts.seed ?? DEFAULT_SEED;
  const vf = opts.validationFraction ?? 0;
  checkFraction(vf, 'the validation fraction');
  if (!Number.isInteger(k) || k < 2 || k > ds.examples.length) throw new SettingError(['folds'], (n) => `${n('folds')} must be a whole number from 2 to ${ds.examples.length} (got ${k})`);
  const rand = mulberry32(seed);
  const units = unitsByLabel(ds, ds.examples);
  const foldOf = new Map<Unit, number>();
  let pos = 0; // continues across classes so fold sizes differ by at most one overall
  for (const list of units) for (const u of shuffled(list, rand)) foldOf.set(u, (pos++ % k) + 1);
  const out: SplitManifest[] = [];
  for (let fold = 1; fold <= k; fold++) {
    const ids = carveValidation(units, (u) => foldOf.get(u) === fold, vf, mulberry32(seed + fold));
    out.push(finish(ds, { method: 'kfold', seed, k, fold, validationFraction: vf, ids }));
  }
  return out;
}

export function kFoldSplit(ds: Dataset, opts: { k?: number; fold: number; seed?: number; validationFraction?: number }): SplitManifest {
  const all = kFoldSplits(ds, opts);
  if (!Number.isInteger(opts.fold) || opts.fold < 1 || opts.fold > all.length) throw new DatasetError(`fold must be 1 to ${all.length} (got ${opts.fold})`);
  return all[opts.fold - 1];
}

/** The corpus' own folds (Example.fold): test = fold `fold`; validation optionally carved (seeded) from the rest. */
/** A dataset without folds of its own asked for them: a holdout split, or seeded folds made with `folds`. */
export function noFoldsOfItsOwn(id: string, fold?: number): SettingError {
  return new SettingError(['folds', 'fold'], (n) => `${id} has no folds of its own; use a holdout split, or give the number of folds to make, e.g. ${n('folds')} 10${fold !== undefined ? ` and ${n('fold')} ${fold}` : ''}`);
}

export function canonicalFoldSplit(ds: Dataset, opts: { fold: number; seed?: number; validationFraction?: number }): SplitManifest {
  const folds = [...new Set(ds.examples.map((e) => e.fold))];
  if (folds.some((f) => f === undefined)) throw noFoldsOfItsOwn(ds.id);
  const k = Math.max(...(folds as number[]));
  if (!Number.isInteger(opts.fold) || opts.fold < 1 || opts.fold > k) throw new DatasetError(`fold must be 1 to ${k} for ${ds.id} (got ${opts.fold})`);
  const seed = opts.seed ?? DEFAULT_SEED;
  const vf = opts.validationFraction ?? 0;
  checkFraction(vf, 'the validation fraction');
  const foldById = new Map(ds.examples.map((e) => [e.id, e.fold]));
  // The corpus' folds are kept exactly (comparability with published results), even if copies span folds.
  const units = unitsByLabel(ds, ds.examples, false);
  const ids = carveValidation(units, (u) => foldById.get(u.ids[0]) === opts.fold, vf, mulberry32(seed + opts.fold));
  return finish(ds, { method: 'canonical-fold', seed, k, fold: opts.fold, validationFraction: vf, ids });
}

export function canonicalFoldSplits(ds: Dataset, opts: { seed?: number; validationFraction?: number } = {}): SplitManifest[] {
  const k = Math.max(0, ...ds.examples.map((e) => e.fold ?? 0));
  if (k === 0) throw noFoldsOfItsOwn(ds.id);
  return Array.from({ length: k }, (_, i) => canonicalFoldSplit(ds, { ...opts, fold: i + 1 }));
}

/** Writes the manifest atomically (temp file in the same folder, then rename), so a crash never leaves half a file. */
export function writeSplitManifest(path: string, m: SplitManifest): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(m, null, 1) + '\n');
  renameSync(tmp, path);
}

/** Reads a manifest and checks it against `ds`: its own checksum, the dataset's hash, and that every id exists. */
export function loadSplitManifest(path: string, ds: Dataset): SplitManifest {
  let m: SplitManifest;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as SplitManifest;
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON (${(e as Error).message.split('\n')[0]})`;
    throw new DatasetError(`split manifest ${path}: ${why}; make a new split (it is written when a run starts)`);
  }
  if (!m || m.version !== 1 || !m.ids || typeof m.sha256 !== 'string') throw new DatasetError(`split manifest ${path}: not a version-1 split manifest; make a new split`);
  if (manifestChecksum(m) !== m.sha256) throw new DatasetError(`split manifest ${path} was edited (its sha256 no longer matches its content); restore it or make a new split`);
  if (m.datasetId !== ds.id || m.datasetHash !== ds.hash) {
    throw new DatasetError(`split manifest ${path} was made for dataset ${m.datasetId} with hash ${m.datasetHash.slice(0, 12)}, but ${ds.id} now has hash ${ds.hash.slice(0, 12)} (the data changed); make a new split, or restore the original data to compare with earlier runs`);
  }
  const known = new Set(ds.examples.map((e) => e.id));
  for (const s of SPLIT_NAMES) {
    const missing = (m.ids[s] ?? []).filter((id) => !known.has(id));
    if (missing.length) throw new DatasetError(`split manifest ${path}: ${s} ids not in ${ds.id}: ${listSome(missing, 3)}; make a new split`);
  }
  return m;
}

/** The examples of each split, in manifest (sorted id) order. */
export function applySplit(ds: Dataset, m: SplitManifest): Record<SplitName, Example[]> {
  const byId = new Map(ds.examples.map((e) => [e.id, e]));
  const out = {} as Record<SplitName, Example[]>;
  for (const s of SPLIT_NAMES) out[s] = (m.ids[s] ?? []).map((id) => byId.get(id)!);
  return out;
}

export interface LeakagePair {
  a: SplitName;
  b: SplitName;
  /** Number of distinct texts present in both splits. */
  texts: number;
  /** Example id pairs [idInA, idInB], up to 5. */
  examples: [string, string][];
}

export interface LeakageReport {
  /** Duplicated texts within the whole dataset. */
  duplicateGroups: number;
  duplicateExtraCopies: number;
  crossSplit: LeakagePair[];
  /** One-line warnings (empty when clean). */
  warnings: string[];
}

/** Duplicated texts in the dataset and texts shared across splits of `m` (a leakage check for manifests from elsewhere). */
export function leakageReport(ds: Dataset, m: SplitManifest): LeakageReport {
  const groups = findDuplicates(ds.examples);
  const warnings: string[] = [];
  const dw = duplicateWarning(ds.id, groups);
  if (dw) warnings.push(dw);
  const parts = applySplit(ds, m);
  const crossSplit: LeakagePair[] = [];
  const pairs: [SplitName, SplitName][] = [['train', 'test'], ['train', 'validation'], ['validation', 'test']];
  for (const [a, b] of pairs) {
    const shared = sharedTexts(parts[a], parts[b]);
    if (shared.texts > 0) {
      crossSplit.push({ a, b, ...shared });
      warnings.push(leakageLine(`${a} and ${b} of ${ds.id}`, b, shared, 'make a new split (it keeps copies together) or remove the copies'));
    }
  }
  return { duplicateGroups: groups.length, duplicateExtraCopies: groups.reduce((s, g) => s + g.ids.length - 1, 0), crossSplit, warnings };
}

/** Distinct texts (whitespace-normalised) present in both `a` and `b`, with up to 5 [idInA, idInB] pairs. */
export function sharedTexts(a: readonly Example[], b: readonly Example[]): { texts: number; examples: [string, string][] } {
  const inA = new Map<string, string>();
  for (const e of a) {
    const k = exampleKey(e);
    if (!inA.has(k)) inA.set(k, e.id);
  }
  const seen = new Set<string>();
  const examples: [string, string][] = [];
  for (const e of b) {
    const k = exampleKey(e);
    const other = inA.get(k);
    if (other !== undefined && !seen.has(k)) {
      seen.add(k);
      if (examples.length < 5) examples.push([other, e.id]);
    }
  }
  return { texts: seen.size, examples };
}

function leakageLine(where: string, evalName: string, s: { texts: number; examples: [string, string][] }, fix: string): string {
  return `leakage: ${s.texts} text(s) appear in both ${where}, e.g. ${s.examples.slice(0, 3).map((p) => p.join(' = ')).join('; ')}; ` +
    `scores on ${evalName} are inflated: ${fix}`;
}

/** Leakage between two separately given datasets (e.g. --train FILE --eval FILE): a one-line warning, or undefined. */
export function leakageBetween(train: Dataset, evaluation: Dataset): string | undefined {
  const s = sharedTexts(train.examples, evaluation.examples);
  return s.texts > 0 ? leakageLine(`${train.id} (train) and ${evaluation.id} (evaluation)`, evaluation.id, s, 'remove the copies from one of the files') : undefined;
}
