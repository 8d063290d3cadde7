// Loads what a finished run needs to predict new texts, by run kind (one table, no registration), and evaluates a
// run on data.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EvaluateResult, PredictResult } from '../../protocol';
import { loadLogReg, loadNbsvm, loadTfidf, predictProba, transformNbsvm, transformTfidf } from '../baselines';
import { importDataset, isBuiltin, loadBuiltin, type Example, type ImportOptions } from '../data';
import { evaluatePredictions } from '../eval';
import { EXPORT_MANIFEST } from '../export/folder';
import { loadExported } from '../export/loadExported';
import { RunFolder } from '../runs';
import { dataSpec, predictionRecords, prepareData, type Predictor } from '../core';
import { loadFinetunePredictor } from '../train/checkpointPredictor';
import { loadEmbeddingPredictor } from './baselineEmbeddings';
import { CHECKPOINT_BEST } from '../../shared/runLayout';
import { ensembleMemberDir, readJson } from '../../shared/node/runFiles';
import { poolProbs } from '../eval/ensembleWeights';
import type { EnsembleCombine } from '../../protocol';

export type PredictorFactory = (run: RunFolder, memo?: PredictionMemo) => Promise<Predictor>;

/**
 * Class probabilities already predicted, per run folder, for one list of texts: evaluating several runs on the same
 * data (the demo's domain shift, gft reflect's out-of-domain check) predicts each ensemble member once, not once more
 * for every ensemble that holds it (the fine-tuned model over the 10,662 snippets: 71 s for a fold run beside a
 * training job on the 2-core VM).
 * Other texts than the last call's start afresh.
 */
export class PredictionMemo {
  private texts: readonly string[] = [];
  private readonly byRun = new Map<string, number[][]>();

  wrap(runDir: string, p: Predictor): Predictor {
    const key = resolve(runDir);
    return {
      labels: p.labels,
      predictProba: async (texts) => {
        if (texts.length !== this.texts.length || texts.some((t, i) => t !== this.texts[i])) {
          this.texts = [...texts];
          this.byRun.clear();
        }
        const hit = this.byRun.get(key);
        if (hit) return hit;
        const probs = await p.predictProba(texts);
        this.byRun.set(key, probs);
        return probs;
      },
    };
  }
}

/** An ensemble's model: its members and weights, in checkpoints/best (written by ./ensemble.ts). */
export const ENSEMBLE_FILE = 'ensemble.json';

/** One member of an ensemble as run.json records it (config.members). */
export interface EnsembleMember {
  id: string;
  name: string;
  kind: string;
  /** The member's folder: absolute, and relative to the ensemble's folder (tried first: a moved runs folder). */
  dir: string;
  relDir: string;
  weight: number;
  validation: { accuracy: number; logLoss: number };
  test: { accuracy: number };
}

/** The members' predictors, pooled as the ensemble was fit (ensemble.json; files without `combine` averaged probabilities). */
async function loadEnsemblePredictor(run: RunFolder, memo?: PredictionMemo): Promise<Predictor> {
  const { members, combine, temperature } = readJson<{
    members: Pick<EnsembleMember, 'id' | 'dir' | 'relDir' | 'weight'>[];
    combine?: EnsembleCombine;
    temperature?: number;
  }>(join(run.checkpointDir(CHECKPOINT_BEST), ENSEMBLE_FILE));
  const used = members.filter((m) => m.weight > 0);
  const predictors = await Promise.all(used.map((m) => loadPredictor(ensembleMemberDir(run.dir, m), memo)));
  const labels = predictors[0].labels;
  for (const [i, p] of predictors.entries())
    if (JSON.stringify(p.labels) !== JSON.stringify(labels))
      throw new Error(`member ${used[i].id} of ensemble ${run.id} predicts other labels (${p.labels.join(', ')})`);
  return {
    labels,
    predictProba: async (texts) => {
      const probs: number[][][] = [];
      for (const p of predictors) probs.push(await p.predictProba(texts));
      return poolProbs(probs, { combine: combine ?? 'probs', weights: used.map((m) => m.weight), temperature: temperature ?? 1 });
    },
  };
}

/** How each run kind that keeps a model predicts. */
const predictorFactories: Partial<Record<string, PredictorFactory>> = {
  finetune: loadFinetunePredictor,
  'head-only': loadFinetunePredictor,
  'baseline-embeddings': loadEmbeddingPredictor,
  ensemble: loadEnsemblePredictor,
  'baseline-tfidf': async (run) => {
    const dir = run.checkpointDir(CHECKPOINT_BEST);
    const tfidf = loadTfidf(dir);
    const lr = loadLogReg(dir);
    return { labels: lr.labels as string[], predictProba: async (texts) => predictProba(lr, transformTfidf(tfidf, texts)) };
  },
  'baseline-nbsvm': async (run) => {
    const dir = run.checkpointDir(CHECKPOINT_BEST);
    const nb = loadNbsvm(dir);
    const lr = loadLogReg(dir);
    return { labels: lr.labels as string[], predictProba: async (texts) => predictProba(lr, transformNbsvm(nb, texts)) };
  },
};

/** `memo`: reuse what this run (or an ensemble's member) already predicted for the same texts. */
export async function loadPredictor(runDir: string, memo?: PredictionMemo): Promise<Predictor> {
  const run = RunFolder.open(runDir);
  if (run.manifest.status !== 'completed') throw new Error(`run ${run.id} is ${run.manifest.status}, not completed; it has no final model to use`);
  if (!existsSync(run.checkpointDir(CHECKPOINT_BEST))) throw new Error(`run ${run.id} has no checkpoints/best folder; it cannot predict`);
  const factory = predictorFactories[run.manifest.kind];
  if (!factory) throw new Error(`runs of kind '${run.manifest.kind}' cannot predict in this version`);
  const p = await factory(run, memo);
  return memo ? memo.wrap(runDir, p) : p;
}

/**
 * Predicts with a finished run, or with an export folder (gft export): the production artifact alone, through
 * onnxruntime with no engine graph, fp32 or int8.
 */
export async function predictTexts(dir: string, texts: string[], opts: { precision?: 'fp32' | 'int8' } = {}): Promise<PredictResult> {
  let labels: string[];
  let probs: number[][];
  if (existsSync(join(dir, EXPORT_MANIFEST))) {
    const model = await loadExported(dir, { precision: opts.precision });
    try {
      labels = model.labels;
      probs = await model.predict(texts);
    } finally {
      await model.dispose();
    }
  } else {
    if (opts.precision === 'int8')
      throw new Error(`${dir} is a run folder; int8 prediction needs an export folder: run \`gft export --run ${dir} --out DIR\` and predict with --model DIR`);
    const p = await loadPredictor(dir);
    labels = p.labels;
    probs = await p.predictProba(texts);
  }
  return { labels, predictions: probs.map((row) => ({ label: labels[row.indexOf(Math.max(...row))], probs: row })) };
}

/**
 * Examples to evaluate a run on: the built-in dataset the run was trained on gives the test split made with the
 * run's split settings; another built-in (builtin:rt-polarity for a movie-review model), a file or a folder gives
 * all its examples, labelled with the run's label names.
 */
/** How to read another dataset's columns and labels (an out-of-domain check on a file with other names). */
export type EvalMapping = Pick<ImportOptions, 'textColumn' | 'labelColumn' | 'labelMap'>;

export function evaluationExamples(run: RunFolder, data: string, labels: string[], mapping: EvalMapping = {}): { examples: Example[]; warnings: string[] } {
  const spec = dataSpec(data);
  if (isBuiltin(spec) && spec !== 'movie-reviews' && run.manifest.dataset?.id !== spec) {
    // Another built-in than the run was trained on (e.g. rt-polarity for a movie-review model): all of it, its
    // labels matched to the run's by name.
    const ds = loadBuiltin(spec);
    const missing = ds.labels.filter((l) => !labels.includes(l));
    if (missing.length)
      throw new Error(
        `builtin:${spec} has labels ${missing.join(', ')} that run ${run.id} does not know (its labels: ${labels.join(', ')}); evaluate it on a run trained with the same labels`,
      );
    return { examples: ds.examples.map((e) => ({ ...e, label: labels.indexOf(ds.labels[e.label]) })), warnings: [] };
  }
  if (isBuiltin(spec)) {
    const split = run.manifest.config.split;
    const prepared = prepareData({
      data: spec,
      split: typeof split === 'object' && split !== null ? (split as { validation: number; test: number; seed: number }) : undefined,
    });
    return { examples: prepared.test, warnings: prepared.warnings };
  }
  if (!existsSync(spec)) throw new Error(`data not found: ${spec}; pass a JSONL/CSV file, a folder, or builtin:movie-reviews`);
  // One class is fine here: an out-of-domain file may hold only positive reviews.
  const { dataset, warnings } = importDataset(spec, { ...mapping, labels, allowSingleClass: true });
  return { examples: dataset.examples, warnings };
}

/**
 * A run's metrics on other data, with the data loader's warnings about that data (encoding, duplicates, label map).
 * `memo`: shared by the evaluations of several runs on the same data (see PredictionMemo).
 */
export async function evaluateRun(
  runDir: string,
  data: string,
  seed = 0,
  mapping: EvalMapping = {},
  memo?: PredictionMemo,
): Promise<EvaluateResult & { predictions: ReturnType<typeof predictionRecords> }> {
  const run = RunFolder.open(runDir);
  const p = await loadPredictor(runDir, memo);
  const { examples, warnings } = evaluationExamples(run, data, p.labels, mapping);
  if (examples.length === 0) throw new Error(`no examples to evaluate in ${data}`);
  const probs = await p.predictProba(examples.map((e) => e.text));
  const m = evaluatePredictions(
    examples.map((e) => e.label),
    probs,
    { labelNames: p.labels, seed },
  );
  return { ...m, warnings, predictions: predictionRecords(examples, probs, 'eval') };
}
