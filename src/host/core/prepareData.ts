// Resolves a DataSource (built-in id, a file/folder to split, or explicit train/eval files) into the
// examples of each split plus the references recorded in run.json.
import type { DataSource, DatasetRef, DatasetSummary } from '../../protocol';
import {
  applySplit,
  canonicalFoldSplit,
  DatasetError,
  holdoutSplit,
  importDataset,
  kFoldSplit,
  noFoldsOfItsOwn,
  leakageBetween,
  leakageReport,
  loadDataset,
  sha256Hex,
  type Dataset,
  type Example,
  type SplitManifest,
} from '../data';

export interface PreparedData {
  labels: string[];
  train: Example[];
  validation: Example[];
  test: Example[];
  ref: DatasetRef;
  /** Every warning of the loader (encoding, duplicates, ignored files, label map) and texts shared across splits. */
  warnings: string[];
  /** The split of a dataset split here (not of explicit train/eval files); saved as split.json in each run. */
  splitManifest?: SplitManifest;
}

/** The default holdout split (the datasets module's default fractions and seed), recorded in every run. */
export const DEFAULT_SPLIT = { validation: 0.1, test: 0.2, seed: 42 };

export function dataSpec(data: string): string {
  return data.startsWith('builtin:') ? data.slice('builtin:'.length) : data;
}

function idsHash(parts: Record<string, Example[]>): string {
  return sha256Hex(JSON.stringify(Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v.map((e) => e.id)]))));
}

/** The split manifest a DataSource's split describes (holdout, the dataset's own folds, or seeded k folds). */
export function splitOf(dataset: Dataset, split: NonNullable<DataSource['split']>): SplitManifest {
  if (split.fold === undefined) return holdoutSplit(dataset, { seed: split.seed, fractions: { validation: split.validation, test: split.test } });
  const k = split.folds ?? Math.max(0, ...dataset.examples.map((e) => e.fold ?? 0));
  if (split.folds === undefined && (k === 0 || dataset.examples.some((e) => e.fold === undefined))) {
    throw noFoldsOfItsOwn(dataset.id, split.fold);
  }
  // `validation` is a fraction of all the data; carved from the k - 1 training folds
  const validationFraction = split.validation / (1 - 1 / k);
  if (!(validationFraction >= 0 && validationFraction < 1))
    throw new DatasetError(`a validation fraction of ${split.validation} does not fit in ${k - 1} of ${k} folds; use a smaller one`);
  return split.folds === undefined
    ? canonicalFoldSplit(dataset, { fold: split.fold, seed: split.seed, validationFraction })
    : kFoldSplit(dataset, { k, fold: split.fold, seed: split.seed, validationFraction });
}

export function prepareData(src: DataSource): PreparedData {
  if (src.trainFile) {
    // Explicit files: used as given (no split). The eval file is both the validation and the test set.
    const tr = importDataset(src.trainFile);
    const train = tr.dataset;
    const warnings = [...tr.warnings];
    let evalExamples: Example[] = [];
    let evalDs: Dataset | undefined;
    if (src.evalFile) {
      const ev = importDataset(src.evalFile, { labels: train.labels });
      evalDs = ev.dataset;
      warnings.push(...ev.warnings);
      evalExamples = evalDs.examples;
      const leak = leakageBetween(train, evalDs);
      if (leak) warnings.push(leak);
    }
    const parts = { train: train.examples, validation: evalExamples, test: evalExamples };
    return {
      labels: train.labels,
      ...parts,
      ref: {
        id: train.id + (evalDs ? `+${evalDs.id}` : ''),
        hash: sha256Hex(train.hash + (evalDs?.hash ?? '')),
        splitHash: idsHash(parts),
        labels: train.labels,
        sizes: { train: train.examples.length, validation: evalExamples.length, test: evalExamples.length },
      },
      warnings,
    };
  }
  if (!src.data) throw new DatasetError('no data given; pass --data builtin:movie-reviews, --data PATH, or --train FILE [--eval FILE]');
  const loaded = loadDataset(dataSpec(src.data));
  const { dataset } = loaded;
  const manifest = splitOf(dataset, src.split ?? DEFAULT_SPLIT);
  const parts = applySplit(dataset, manifest);
  // The loader already warned about duplicated texts; the split adds the texts shared across its parts (holdout
  // splits keep copies together, a dataset's own folds may not).
  const warnings = [...loaded.warnings, ...leakageReport(dataset, manifest).warnings.filter((w) => w.startsWith('leakage:'))];
  return {
    labels: dataset.labels,
    ...parts,
    ref: {
      id: dataset.id,
      hash: dataset.hash,
      splitHash: manifest.sha256,
      labels: dataset.labels,
      sizes: { train: parts.train.length, validation: parts.validation.length, test: parts.test.length },
    },
    warnings,
    splitManifest: manifest,
  };
}

export function summarizeData(p: PreparedData): DatasetSummary {
  const labelCounts: DatasetSummary['labelCounts'] = {};
  for (const l of p.labels) labelCounts[l] = { train: 0, validation: 0, test: 0 };
  for (const s of ['train', 'validation', 'test'] as const) for (const e of p[s]) labelCounts[p.labels[e.label]][s]++;
  return {
    id: p.ref.id,
    hash: p.ref.hash,
    splitHash: p.ref.splitHash ?? '',
    labels: p.labels,
    sizes: { train: p.train.length, validation: p.validation.length, test: p.test.length },
    labelCounts,
    warnings: p.warnings,
  };
}
