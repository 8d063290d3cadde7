// Cross-validation: the same job (a baseline or a fine-tune) once per fold, each fold an ordinary run folder
// (<dir>/fold-01, ...) whose test set is that fold, then every fold's test predictions pooled: each example is
// tested exactly once, so the pooled accuracy rests on the whole dataset (n = 2000 for the movie reviews instead
// of a 400-review holdout) and two cross-validations compare pairwise on all of it (gft compare DIR_A DIR_B).
// Writes <dir>/cv.json (per-fold and pooled metrics, settings) and <dir>/predictions.jsonl (pooled), atomically.
// Resumable: a completed fold is kept; an interrupted fine-tuning fold resumes from its last checkpoint.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BaselineKind, BaselineParams, DataSource, EvalMetrics, PredictionRecord, RunResult, TrainParams } from '../../protocol';
import { loadDataset, noFoldsOfItsOwn } from '../data';
import { nbsvmLabelsProblem } from '../baselines';
import { evaluatePredictions } from '../eval';
import { readJsonl, RunFolder, writeFileAtomic, writeJsonAtomic } from '../runs';
import { dataSpec, DEFAULT_SPLIT, type JobContext, prepareData } from '../core';
import { resolveModel } from '../models/hub';
import { loadTrainableModel } from '../train/model';
import { jobHandlers } from './registry';
import { checkpointDir, runFile } from '../../shared/node/runFiles';
import { CHECKPOINT_LAST, RUN_FILES } from '../../shared/runLayout';
import { migrateConfig } from '../../shared/settings';

export const CV_FILE = 'cv.json';
export const CV_SETTINGS = 'cv-settings.json';
const PREDICTIONS = RUN_FILES.predictions;

export interface CrossValidateParams {
  /** 'finetune' trains `model` with `config`; the baselines take `model` (embeddings) and `C`. */
  kind: BaselineKind | 'finetune';
  data: string;
  /** Number of seeded stratified folds; default: the dataset's own folds. */
  folds?: number;
  /** Seed of the folds (k-fold) and of each fold's validation carve-out. */
  splitSeed?: number;
  dir: string;
  model?: string;
  config?: TrainParams['config'];
  C?: number;
  seed?: number;
  device?: TrainParams['device'];
  threads?: number;
}

export interface CvSummary {
  /** 'ensemble': an ensemble of cross-validations, fold by fold (./ensembleCv.ts). */
  kind: CrossValidateParams['kind'] | 'ensemble';
  model?: string;
  data: string;
  folds: number;
  method: 'canonical-fold' | 'kfold';
  perFold: { fold: number; runId: string; n: number; accuracy: number; macroF1: number }[];
  /** Mean and sample standard deviation of the per-fold accuracies. */
  meanAccuracy: number;
  sdAccuracy: number;
  /** Metrics of all folds' test predictions together (every example once). */
  pooled: EvalMetrics;
}

export interface CvResult {
  status: RunResult['status'];
  dir: string;
  summary?: CvSummary;
  /** The fold that stopped the cross-validation and why. */
  error?: string;
  /** The data's warnings, as the fold runs recorded them (each once); absent when none. */
  warnings?: string[];
}

export const foldId = (f: number) => `fold-${String(f).padStart(2, '0')}`;

/** The number of folds: --folds, else the dataset's own (a one-line error when it has none). */
function foldCount(p: CrossValidateParams): number {
  if (p.folds !== undefined) return p.folds;
  const { dataset } = loadDataset(dataSpec(p.data));
  if (dataset.examples.some((e) => e.fold === undefined)) throw noFoldsOfItsOwn(dataset.id);
  return Math.max(...dataset.examples.map((e) => e.fold!));
}

/** Pooled test predictions of a cross-validation folder (for gft compare); undefined when `dir` is not one. */
export function readCvPredictions(dir: string): PredictionRecord[] | undefined {
  if (!existsSync(join(dir, CV_FILE))) return undefined;
  return readJsonl<PredictionRecord>(join(dir, PREDICTIONS));
}

/** A cv folder's settings as written, with today's setting names (an older gft wrote `freeze`). */
function recordedSettings(text: string): string {
  try {
    const s = JSON.parse(text) as { config?: unknown };
    return s.config ? JSON.stringify({ ...s, config: migrateConfig(s.config) }) : text;
  } catch {
    return text;
  }
}

/**
 * Pools the folds' test predictions (each example once) into the summary, and writes <dir>/predictions.jsonl and
 * <dir>/cv.json atomically.
 */
export function poolFolds(
  p: Pick<CvSummary, 'kind' | 'model' | 'data' | 'method'> & { dir: string; seed?: number },
  perFold: CvSummary['perFold'],
  preds: PredictionRecord[],
  labels: string[],
): CvSummary {
  const k = perFold.length;
  const ids = new Set(preds.map((x) => x.id));
  if (ids.size !== preds.length) throw new Error(`cross-validation: ${preds.length - ids.size} examples were tested in more than one fold; the folds overlap`);
  const pooled = evaluatePredictions(
    preds.map((x) => x.label),
    preds.map((x) => x.probs),
    { labelNames: labels, seed: p.seed ?? 42 },
  );
  const accs = perFold.map((f) => f.accuracy);
  const mean = accs.reduce((a, b) => a + b, 0) / k;
  const sd = Math.sqrt(accs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, k - 1));
  const summary: CvSummary = {
    kind: p.kind,
    ...(p.model ? { model: p.model } : {}),
    data: p.data,
    folds: k,
    method: p.method,
    perFold,
    meanAccuracy: mean,
    sdAccuracy: sd,
    pooled,
  };
  writeFileAtomic(join(p.dir, PREDICTIONS), preds.map((x) => JSON.stringify(x)).join('\n') + '\n');
  writeJsonAtomic(join(p.dir, CV_FILE), summary);
  return summary;
}

export async function crossValidate(p: CrossValidateParams, ctx: JobContext = {}): Promise<CvResult> {
  const k = foldCount(p);
  // A folder continues only the cross-validation it was made for.
  const settings = JSON.stringify({ kind: p.kind, model: p.model, data: p.data, folds: k, splitSeed: p.splitSeed, config: p.config, C: p.C, seed: p.seed });
  const settingsPath = join(p.dir, CV_SETTINGS);
  if (existsSync(settingsPath) && recordedSettings(readFileSync(settingsPath, 'utf8')) !== settings) {
    throw new Error(`${p.dir} holds a cross-validation with other settings (${CV_SETTINGS}); choose another --out folder`);
  }
  if (!existsSync(settingsPath) && existsSync(p.dir) && readdirSync(p.dir).length > 0)
    throw new Error(`${p.dir} already exists and is not a cross-validation folder; choose another --out folder`);
  const split = { ...DEFAULT_SPLIT, seed: p.splitSeed ?? DEFAULT_SPLIT.seed, folds: p.folds };
  if (!existsSync(settingsPath)) {
    // Checked before the folder is made (bad data or a missing model leaves nothing behind): the data and its
    // first fold, and the model a fine-tune reads (folder or hub id, config, tokenizer) or whose embeddings are used.
    const first = prepareData({ data: p.data, split: { ...split, fold: 1 } });
    const problem = p.kind === 'nbsvm' ? nbsvmLabelsProblem(first.labels) : undefined;
    if (problem) throw new Error(problem);
    if (p.kind === 'finetune') await loadTrainableModel(p.model ?? 'starter', first.labels.length, p.seed ?? 0, { weights: false });
    else if (p.kind === 'embeddings' && p.model && p.model !== 'starter') await resolveModel(p.model);
  }
  mkdirSync(p.dir, { recursive: true });
  writeFileAtomic(settingsPath, settings);
  const perFold: CvSummary['perFold'] = [];
  const preds: PredictionRecord[] = [];
  let labels: string[] = [];
  const warnings = new Set<string>();
  const withWarnings = <T extends object>(x: T): T & { warnings?: string[] } => (warnings.size ? { ...x, warnings: [...warnings] } : x);
  for (let fold = 1; fold <= k; fold++) {
    const runId = foldId(fold);
    const runDir = join(p.dir, runId);
    const data: DataSource = { data: p.data, split: { ...split, fold } };
    ctx.log?.({ level: 'info', message: `cross-validation: fold ${fold} of ${k} (${runDir})` });
    let r: RunResult | undefined;
    if (existsSync(runFile(runDir, 'manifest'))) {
      const m = RunFolder.open(runDir).manifest;
      if (m.status === 'completed') r = { runId, runDir, kind: m.kind, status: 'completed', test: m.test };
      else if (p.kind === 'finetune' && existsSync(checkpointDir(runDir, CHECKPOINT_LAST)))
        r = await jobHandlers.train({ model: p.model ?? '', runsRoot: p.dir, config: {}, resumeRunDir: runDir, device: p.device, threads: p.threads }, ctx);
      else rmSync(runDir, { recursive: true, force: true }); // an unfinished baseline: nothing to keep, run it again
    }
    if (!r) {
      r =
        p.kind === 'finetune'
          ? await jobHandlers.train(
              { ...data, model: p.model ?? 'starter', runsRoot: p.dir, runId, config: p.config ?? {}, device: p.device, threads: p.threads },
              ctx,
            )
          : await jobHandlers.baseline({ ...data, kind: p.kind, model: p.model, runsRoot: p.dir, runId, C: p.C, seed: p.seed } satisfies BaselineParams, ctx);
    }
    for (const w of r.warnings ?? RunFolder.open(runDir).manifest.warnings ?? []) warnings.add(w);
    if (r.status !== 'completed') return withWarnings({ status: r.status, dir: p.dir, error: `fold ${fold}: ${r.error ?? r.status}` });
    if (!r.test) throw new Error(`cross-validation: fold ${fold} (${runDir}) completed without test metrics`);
    const run = RunFolder.open(runDir);
    labels = r.test.labels;
    perFold.push({ fold, runId, n: r.test.n, accuracy: r.test.accuracy, macroF1: r.test.macroF1 });
    preds.push(...run.readPredictions().filter((x) => (x.split ?? 'test') === 'test'));
  }
  const summary = poolFolds(
    { dir: p.dir, kind: p.kind, model: p.model, data: p.data, method: p.folds === undefined ? 'canonical-fold' : 'kfold', seed: p.seed },
    perFold,
    preds,
    labels,
  );
  return withWarnings({ status: 'completed' as const, dir: p.dir, summary });
}
