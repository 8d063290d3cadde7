// JSON-RPC contract between the client (extension or CLI) and the training host process.
// Each method name is written once, in `Requests` / `Notifications` at the end of this file, bound to its params and
// result types (as vscode-languageserver-node's RequestType does), so callers and the host's handler table infer
// them. Long jobs (train, baseline) answer when they end; while they run the host sends progress, metric and log
// notifications tagged with the run id.
import type { ExportTrainerJobParams, ExportTrainerJobResult, ImportModelParams } from './trainerJob';
import type { SearchParams, SearchResult } from './search';
import type { Comparison, EvalMetrics } from './metrics';
import type { DeviceChoice, TrainConfig } from '../shared/settings';
import type { MetricRecord, RunKind, RunManifest, RunStatus, RunSummary, PredictionRecord } from './runs';

/** Request host/info: the host reports its versions and its pid. */
export interface HostInfo {
  hostVersion: string;
  node: string;
  onnxruntime: string;
  pid: number;
}

/** Where data comes from: 'builtin:movie-reviews', a folder / CSV / JSONL path, or explicit train/eval files. */
export interface DataSource {
  data?: string;
  trainFile?: string;
  evalFile?: string;
  /**
   * How the host splits a dataset: stratified holdout by fractions of the data for validation and test; or, with
   * `fold`, cross-validation folds: the test set is fold `fold` (1-based) of the dataset's own folds (e.g. Pang &
   * Lee's 10), or of `folds` seeded stratified folds; validation is then `validation` of all the data, carved from
   * the other folds (`test` is unused).
   */
  split?: { validation: number; test: number; seed: number; fold?: number; folds?: number };
}

export type PrepareDatasetParams = DataSource;
export interface DatasetSummary {
  id: string;
  hash: string;
  splitHash: string;
  labels: string[];
  sizes: { train: number; validation: number; test: number };
  /** Per label, per split counts. */
  labelCounts: Record<string, { train: number; validation: number; test: number }>;
  warnings: string[];
}

/** The fine-tuning settings: their type, defaults and limits are the settings schema's (src/shared/settings.ts). */
export type { TrainConfig, DeviceChoice } from '../shared/settings';

export interface TrainParams extends DataSource {
  /** Hub id, local folder, or 'starter'. */
  model: string;
  runsRoot: string;
  /** Name of the run folder under runsRoot; default: a new id (time, kind, random suffix). */
  runId?: string;
  config: Partial<TrainConfig>;
  /** Continue an interrupted run from its last checkpoint (a completed one too, when `config.epochs` grows). */
  resumeRunDir?: string;
  /** Train and validate only: no test evaluation, no predictions (a search's trials; run.json says testSkipped). */
  skipTest?: boolean;
  /** The hyperparameter search this run is a trial of (recorded in run.json). */
  search?: RunManifest['search'];
  /** Where to train; default: the host's GFT_DEVICE (the extension's setting), else 'auto'. */
  device?: DeviceChoice;
  /** onnxruntime CPU threads; default: the host's GFT_THREADS, else 0 = one per core. */
  threads?: number;
}

export type BaselineKind = 'tfidf' | 'nbsvm' | 'embeddings';
export interface BaselineParams extends DataSource {
  kind: BaselineKind;
  runsRoot: string;
  /** Name of the run folder under runsRoot; default: a new id (time, kind, random suffix). */
  runId?: string;
  /** For 'embeddings': the model whose frozen mean-pooled embeddings are used. */
  model?: string;
  seed?: number;
  /** L2 strength as scikit-learn's C (larger = weaker regularisation). */
  C?: number;
}

/**
 * How an ensemble pools its members: 'logits' averages their log-probabilities (log-odds, for two labels) with a
 * temperature, 'probs' averages their probabilities; weights (and the temperature) are fit on validation.
 */
export const ENSEMBLE_COMBINE = ['logits', 'probs'] as const;
export type EnsembleCombine = (typeof ENSEMBLE_COMBINE)[number];
export const DEFAULT_ENSEMBLE_COMBINE: EnsembleCombine = 'logits';

/** How an ensemble run pooled its members, in words, from its run.json config (runs made before `combine` averaged probabilities). */
export function ensemblePoolingText(config: { combine?: unknown; temperature?: unknown }): string {
  return config.combine === 'logits' && typeof config.temperature === 'number'
    ? `log-probabilities averaged, temperature ${config.temperature.toFixed(2)}`
    : 'probabilities averaged';
}

/** An ensemble of completed runs of one split: their probabilities pooled with weights fit on validation. */
export interface EnsembleParams {
  /** The member run folders (two or more), or cross-validation folders (gft cv), all of one kind. */
  runs: string[];
  runsRoot: string;
  /** Name of the run folder under runsRoot; default: a new id. */
  runId?: string;
  name?: string;
  /** Where the members' data is, when their run.json does not say (older baseline runs of a file). */
  data?: string;
  /** How the members are pooled (default DEFAULT_ENSEMBLE_COMBINE). */
  combine?: EnsembleCombine;
  /** Seed of the bootstrap CIs (default 42). */
  seed?: number;
}

/** What train and baseline answer when the run ends (completed, failed or cancelled). */
export interface RunResult {
  runId: string;
  runDir: string;
  kind: RunKind;
  status: RunStatus;
  test?: EvalMetrics;
  error?: string;
  /** The data loader's warnings about the run's data (as in run.json); absent when none. */
  warnings?: string[];
}

export interface EvaluateParams {
  runDir: string;
  /** Data to evaluate on (same forms as DataSource.data, or a JSONL file with text and label). */
  data: string;
}
/** The metrics on that data and the data loader's warnings about it (encoding, duplicates, label map). */
export type EvaluateResult = EvalMetrics & { warnings: string[] };

export interface PredictParams {
  /** A finished run folder, or an export folder written by run/export (predicts with the ONNX model alone). */
  runDir: string;
  /** With an export folder: 'int8' uses the quantized model (default 'fp32'). */
  precision?: 'fp32' | 'int8';
  texts: string[];
}
export interface PredictResult {
  labels: string[];
  predictions: { label: string; probs: number[] }[];
}

export interface ExportParams {
  runDir: string;
  out: string;
}
export interface ExportResult {
  files: string[];
  /** The export folder (what PredictParams.runDir accepts to predict with the exported model alone). */
  dir?: string;
  /** One line: the int8 model's label agreement and accuracy vs fp32 on the run's test texts, or why unchecked. */
  check?: string;
}

export interface CancelParams {
  /** The run to cancel; all queued and running jobs when absent. */
  runId?: string;
}
export interface CancelResult {
  cancelled: string[];
}

export interface ListRunsParams {
  runsRoot: string;
}
export type ListRunsResult = RunSummary[];

export interface GetRunParams {
  runDir: string;
}
export interface RunDetail {
  manifest: RunManifest;
  metrics: MetricRecord[];
  predictions: PredictionRecord[];
}

export interface CompareParams {
  runDirA: string;
  runDirB: string;
  seed?: number;
}
export type CompareResult = Comparison;

/**
 * Request: the pre-flight probe of "Fine-tune...". The host builds the real training program for this model and
 * config, runs a few real optimizer steps on training batches on this device, and extrapolates time and memory
 * before anything long starts. (Owned by the guided-form work; fields may grow.)
 */
export interface ProbeParams extends DataSource {
  model: string;
  config: Partial<TrainConfig>;
  /** Most optimizer steps measured after one warm-up step (default 8; fewer, but at least 2, once 20 s have passed). */
  steps?: number;
  /** As in TrainParams: default GFT_DEVICE / GFT_THREADS of the host, else 'auto' / one per core. */
  device?: DeviceChoice;
  threads?: number;
}
export interface ProbeResult {
  /** The device used, in words (with the one-line reason for each accelerator not used). */
  device: string;
  /** 'cpu' | 'cuda' | 'webgpu': the execution provider that ran the steps. */
  deviceKind: string;
  threads: number;
  measuredSteps: number;
  /** Wall time of each measured step, seconds. */
  stepSeconds: number[];
  /** Mean wall time (forward, backward, AdamW) of the later half of the measured steps, seconds. */
  secondsPerStep: number;
  /** Rows (texts, or windows/sentences) in one measured step. */
  rowsPerStep: number;
  stepsPerEpoch: number;
  secondsPerEpoch: number;
  epochs: number;
  /** Validation passes during training (one per epoch, or every N steps) and the final test pass. */
  evalPasses: number;
  /** Estimated time of all evaluation passes, from one measured evaluation batch. */
  evalSeconds: number;
  /** All epochs plus evaluation passes. */
  totalSeconds: number;
  /** Time to load the model, tokenize the data and build the training program (paid again at the start). */
  setupSeconds: number;
  /** Peak resident memory of the host process while probing, MiB. */
  peakRssMiB: number;
  trainableParams: number;
  totalParams: number;
  trainTexts: number;
  trainRows: number;
  maxLength: number;
  notes: string[];
  /** The data loader's warnings about the training data (encoding, duplicates and leakage, label map). */
  warnings?: string[];
}

/**
 * Request: the chapter's reflection as Markdown, pre-filled with measured facts about the runs of one split
 * (src/host/reflect). The extension writes the file into the workspace. Cancellable ($/cancelRequest): the host
 * stops at its next check and answers 'cancelled'. (Owned by the reflection work.)
 */
export interface ReflectionParams {
  runsRoot: string;
  /** Where the test texts are when the runs do not record it (imported data); used only if it gives the runs' split. */
  source?: DataSource;
  /** Compare the runs of this split (hash or prefix); default: the split with a fine-tuning run and most runs. */
  splitHash?: string;
  /** A labelled file every compared run is also evaluated on (out-of-domain accuracy). */
  outOfDomain?: string;
  /** Time each run's predictor per review (default true). */
  measureLatency?: boolean;
  /** Where the document is read, so advice names settings as that place does: 'form' (the extension: the
   *  fine-tune form's labels) or 'cli' (flags such as --long-text chunks; the default). */
  settingsPlace?: 'form' | 'cli';
}
export interface ReflectionResult {
  markdown: string;
  /** The split compared and the runs in it (empty when no run could be compared: the Markdown says why). */
  splitHash: string;
  runs: { id: string; title: string; accuracy: number; accuracyCI: [number, number] }[];
  /** Runs left out (other split, not completed, no predictions), with the reason. */
  excluded: { id: string; reason: string }[];
}

/** Notification: a run folder was created and the job started. */
export interface RunStarted {
  runId: string;
  runDir: string;
  kind: RunKind;
}

/** Notification: progress of the current phase. */
export interface Progress {
  runId: string;
  phase: 'loading' | 'tokenizing' | 'features' | 'training' | 'evaluating' | 'predicting' | 'saving' | 'done';
  /** Out of `total`; a `total` of 0 means no fraction is known (no percentage is shown). */
  step: number;
  total: number;
  /** What is being done when step/total alone would mislead, e.g. "C 2/3 · iteration 40" (a baseline's search). */
  detail?: string;
  epoch?: number;
  loss?: number;
  lr?: number;
  samplesPerSec?: number;
  etaSec?: number;
  device: string;
}

/** Notification: one line that was appended to the run's metrics.jsonl. */
export interface MetricPoint {
  runId: string;
  record: MetricRecord;
}

/** Notification from the host: one line for the log (output channel / log.txt). */
export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  runId?: string;
}

/**
 * A request method bound to its params and result types. `method` is the one string on the wire; the types exist only
 * for the compiler (ParamsOf / ResultOf read them back), so a caller cannot pick the result type and the host's
 * handler cannot answer another one.
 */
export class RequestType<P, R> {
  /** Never set at run time: it carries P and R. */
  declare readonly _types?: { params: P; result: R };
  constructor(readonly method: string) {}
}

/** A notification method bound to its params type (host -> client). */
export class NotificationType<P> {
  /** Never set at run time: it carries P. */
  declare readonly _params?: P;
  constructor(readonly method: string) {}
}

export type ParamsOf<T> = T extends RequestType<infer P, unknown> ? P : never;
export type ResultOf<T> = T extends RequestType<unknown, infer R> ? R : never;
export type NotificationParamsOf<T> = T extends NotificationType<infer P> ? P : never;

/** Every request the host answers (src/host/main.ts has one handler for each key). */
/** cache/embeddings: the embedding cache's size; with clear, empties it first and answers what was removed. */
export interface EmbeddingCacheParams {
  clear?: boolean;
}

export interface EmbeddingCacheInfo {
  /** the cache folder; null when the cache is turned off (GFT_EMBEDDING_CACHE=off) */
  dir: string | null;
  /** encoder settings (model, pooling, max length) with entries */
  settings: number;
  /** cached texts */
  entries: number;
  bytes: number;
  /** true when the request cleared the cache: the figures are what was removed */
  cleared: boolean;
}

export const Requests = {
  hostInfo: new RequestType<void, HostInfo>('host/info'),
  prepareDataset: new RequestType<PrepareDatasetParams, DatasetSummary>('data/prepare'),
  train: new RequestType<TrainParams, RunResult>('run/train'),
  baseline: new RequestType<BaselineParams, RunResult>('run/baseline'),
  evaluate: new RequestType<EvaluateParams, EvaluateResult>('run/evaluate'),
  predict: new RequestType<PredictParams, PredictResult>('run/predict'),
  export: new RequestType<ExportParams, ExportResult>('run/export'),
  cancel: new RequestType<CancelParams, CancelResult>('run/cancel'),
  probe: new RequestType<ProbeParams, ProbeResult>('run/probe'),
  /** A hyperparameter search (gft search); answers when it ends. Cancel: run/cancel with the running trial's run id. */
  search: new RequestType<SearchParams, SearchResult>('run/search'),
  listRuns: new RequestType<ListRunsParams, ListRunsResult>('runs/list'),
  getRun: new RequestType<GetRunParams, RunDetail>('runs/get'),
  compare: new RequestType<CompareParams, CompareResult>('runs/compare'),
  reflection: new RequestType<ReflectionParams, ReflectionResult>('runs/reflection'),
  exportTrainerJob: new RequestType<ExportTrainerJobParams, ExportTrainerJobResult>('run/exportTrainerJob'),
  importModel: new RequestType<ImportModelParams, RunResult>('run/import'),
  ensemble: new RequestType<EnsembleParams, RunResult>('run/ensemble'),
  embeddingCache: new RequestType<EmbeddingCacheParams, EmbeddingCacheInfo>('cache/embeddings'),
} as const;

/** Every notification the host sends. */
export const Notifications = {
  runStarted: new NotificationType<RunStarted>('run/started'),
  progress: new NotificationType<Progress>('run/progress'),
  metric: new NotificationType<MetricPoint>('run/metric'),
  log: new NotificationType<LogLine>('host/log'),
} as const;

/** Requests whose answer (a RunResult) means the run they started has ended. */
export const RunFinishedMethods: readonly string[] = [Requests.train.method, Requests.baseline.method, Requests.importModel.method];
