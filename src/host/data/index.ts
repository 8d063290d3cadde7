// Datasets for guided-finetune: the built-in movie reviews, imports, checks and seeded splits.
//
//   loadDataset(spec, opts?)        'movie-reviews' (built in) or a path -> { dataset, warnings }
//   loadBuiltin('movie-reviews')    Dataset: 2000 reviews, labels ['neg','pos'], Example.fold = canonical fold 1..10
//   importDataset(path, opts?)      folder of label sub-folders | .csv | .tsv | .jsonl | .json -> { dataset, warnings }
//                                   opts: textColumn, labelColumn, idColumn, labelMap, labels, encoding, format,
//                                   allowSingleClass (for an evaluation file given with the training labels)
//   Dataset { id, name, labels, examples: {id, text, label (index into labels), fold?}[], hash, provenance }
//   DatasetError                    every bad input; .message is one line naming the file, the line and the fix
//   holdoutSplit(ds, {fractions?, seed?})           default 0.7/0.1/0.2 train/validation/test, seed 42, stratified
//   kFoldSplits / kFoldSplit(ds, {k, fold, seed, validationFraction})
//   canonicalFoldSplit(s)(ds, {fold, seed, validationFraction})   test = the corpus' fold k
//   writeSplitManifest(path, m) (atomic), loadSplitManifest(path, ds) (checks checksum + dataset hash)
//   applySplit(ds, m) -> {train, validation, test}: Example[];  leakageReport(ds, m) -> duplicates across splits
//   leakageBetween(trainDs, evalDs) -> one-line warning when separately given train/eval files share texts
//   findDuplicates, datasetHash
import { isBuiltin, loadBuiltin } from './builtin';
import { importDataset, type ImportOptions, type ImportResult } from './import';

export { BUILTIN_DATASETS, dataDirCandidates, findDataFile, isBuiltin, loadBuiltin } from './builtin';
export { detectFormat, importDataset, parseLabelMap, LABEL_COLUMNS, TEXT_COLUMNS } from './import';
export type { ImportFormat, ImportOptions, ImportResult } from './import';
export { decodeText, firstInvalidUtf8 } from './decode';
export type { Encoding } from './decode';
export { parseDelimited } from './csv';
export { editDistance, findDuplicates, findLabelTypos, normalizeForDuplicates } from './checks';
export type { DuplicateGroup } from './checks';
export { canonicalJson, datasetHash, sha256Hex } from './hash';
export {
  applySplit, canonicalFoldSplit, canonicalFoldSplits, DEFAULT_FRACTIONS, DEFAULT_SEED, holdoutSplit, kFoldSplit, kFoldSplits,
  leakageBetween, leakageReport, loadSplitManifest, noFoldsOfItsOwn, sharedTexts, manifestChecksum, SPLIT_NAMES, writeSplitManifest,
} from './splits';
export type { LeakageReport, SplitFractions, SplitManifest, SplitMethod, SplitName } from './splits';
export { DatasetError } from './types';
export type { Dataset, Example, Provenance } from './types';

/** A built-in dataset id or a path to import. */
export function loadDataset(spec: string, opts: ImportOptions = {}): ImportResult {
  if (isBuiltin(spec)) return { dataset: loadBuiltin(spec), warnings: [] };
  return importDataset(spec, opts);
}
