// Run folders: <runs-root>/<run-id>/{run.json, metrics.jsonl, predictions.jsonl, checkpoints/, log.txt}.
// These types describe run.json and the JSONL lines; the host writes them, the UI and CLI read them.
import type { TrainConfig } from '../shared/settings';
import type { EvalMetrics } from './metrics';
import type { DataSource } from './rpc';

export type RunKind = 'finetune' | 'baseline-tfidf' | 'baseline-nbsvm' | 'baseline-embeddings' | 'head-only' | 'ensemble';
export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled';

/** A fine-tuned transformer (every layer, the top ones, or the head only): it resumes, exports to ONNX, explains. */
export function isFineTuneKind(kind: RunKind): boolean {
  return kind === 'finetune' || kind === 'head-only';
}

export interface DatasetRef {
  id: string;
  /** Hash of the examples' content (texts and labels). */
  hash: string;
  /** Hash of the split assignment (which example is in train / validation / test). */
  splitHash?: string;
  labels: string[];
  sizes?: Partial<Record<'train' | 'validation' | 'test', number>>;
}

export interface ModelRef {
  id: string;
  revision?: string;
  /** file name -> sha256 */
  fileHashes?: Record<string, string>;
}

/** run.json's config of a fine-tuning run: its resolved settings, where its data and model came from, its device. */
export interface FinetuneRunConfig extends TrainConfig {
  data: Pick<DataSource, 'data' | 'trainFile' | 'evalFile' | 'split'> & { model: string };
  /** The device record: requested and used device, providers, threads, fallback reasons. */
  execution?: Record<string, unknown>;
  /** A hub model's folder in the model cache (the export finds the model again with it). */
  modelDir?: string;
}

export interface RunManifest {
  id: string;
  /** A short name people read ("starter · full · 3 ep · lr 5e-5", or their own); the id stays the folder's name. */
  name?: string;
  kind: RunKind;
  status: RunStatus;
  /** The full configuration of the run (trainer settings, baseline settings, ...). */
  config: Record<string, unknown>;
  dataset?: DatasetRef;
  model?: ModelRef;
  seed: number;
  packages: Record<string, string>;
  device: string;
  hostPid: number;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  /** Best validation point (fine-tuning): the step and the value of the chosen metric. */
  best?: { step: number; epoch: number; metric: string; value: number };
  /**
   * How fine-tuning ended: at `step` of `plannedSteps`, `early` when the patience ran out first; `restoredStep` is
   * the step of the weights that are the final model (the best checkpoint, tested and exported).
   */
  stop?: { early: boolean; step: number; plannedSteps: number; restoredStep: number };
  /** Final test metrics (with the best checkpoint where there is one). */
  test?: EvalMetrics;
  /** True when the run was not evaluated on its test set on purpose (a search's trials are judged on validation). */
  testSkipped?: boolean;
  /** The hyperparameter search (gft search) the run belongs to: its folder's name and the trial number, or 'final'. */
  search?: { id: string; trial: number | 'final' };
  error?: string;
  /** The data loader's warnings about the run's data (encoding, duplicates and leakage, ignored files, label map); absent when none. */
  warnings?: string[];
  /** Last lines of log.txt, recorded when the run failed. */
  logTail?: string[];
}

/** One line of metrics.jsonl: a training step or an evaluation. */
export type MetricRecord =
  /** A baseline's step is one L-BFGS iteration of the fit for regularisation strength C (lr: its line-search step). */
  | { type: 'step'; step: number; epoch: number; loss: number; lr: number; step_ms: number; grad_norm?: number; C?: number; time: string }
  | { type: 'eval'; step: number; epoch: number; split: 'train' | 'validation' | 'test'; metrics: EvalSummary; time: string };

/** The scalar part of EvalMetrics, small enough for one JSONL line per evaluation. */
export interface EvalSummary {
  accuracy: number;
  macroF1: number;
  rocAuc: number | null;
  logLoss: number;
  ece: number;
  loss?: number;
}

/** One line of predictions.jsonl. */
export interface PredictionRecord {
  id: string;
  label: number;
  pred: number;
  probs: number[];
  split?: string;
}

export interface RunSummary {
  id: string;
  /** run.json's name, or the default name for the run's settings (src/protocol/runNames.ts). */
  name: string;
  dir: string;
  kind: RunKind;
  status: RunStatus;
  startedAt: string;
  durationMs?: number;
  modelId?: string;
  datasetId?: string;
  testAccuracy?: number;
}
