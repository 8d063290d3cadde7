// Messages between the extension and the results panel's webview (webview/main.ts). Types only. The extension
// computes every view model (src/ui/viewmodel); the webview only renders and reports user actions.
// (Named webviewMessages, not webview: the ESLint rule that keeps webview/ code out of the extension matches
// any import path ending in /webview.)

/**
 * One chart as uPlot wants it: shared x (optimizer steps, or a baseline's L-BFGS iterations) and one y column per
 * series, null = no point.
 */
export interface ChartData {
  /** 'fit': a baseline's logistic-regression fits (one series per candidate regularisation strength);
   *  'compare-*': the comparison's overlaid curves, one series per run. */
  id: 'loss' | 'accuracy' | 'lr' | 'fit' | 'compare-loss' | 'compare-accuracy';
  title: string;
  xLabel: string;
  yLabel: string;
  x: number[];
  /** 'reference': a constant level drawn dashed across the chart (a baseline's validation accuracy). */
  series: { label: string; values: (number | null)[]; style?: 'line' | 'faint' | 'points' | 'reference' }[];
  /** One line under the chart: what is and is not drawn, and why. */
  note?: string;
}

export interface RunHeader {
  id: string;
  /** The run's short name (run.json's, or the default for its settings). */
  name: string;
  dir: string;
  kind: string;
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  model?: string;
  dataset?: string;
  /** Where it ran, short: "CPU, 2 threads". */
  device?: string;
  /** Details on demand behind the device: why not the GPU (each accelerator's reason), the machine. */
  deviceDetails?: { summary: string; lines: string[] };
  /** The tab the panel opens on: a baseline's test metrics, a fine-tuning run's training curves. */
  opensOn?: 'training' | 'metrics';
  startedAt?: string;
  duration?: string;
  best?: string;
  error?: string;
}

/** Label/value rows for the test metrics of one run, already formatted. */
export interface MetricRow {
  label: string;
  value: string;
  hint?: string;
}

export interface ComparisonTable {
  columns: string[];
  rows: { runId: string; dir: string; cells: string[]; best?: boolean; reference?: boolean }[];
  /** Why two rows may not be comparable (different test sets, missing metrics, ...). */
  notes: string[];
}

export type ReviewFilter = 'all' | 'fp' | 'fn';
/** Versus a baseline run on the same test ids: fixed = this run right, baseline wrong; broken = the reverse. */
export type ReviewChange = 'all' | 'fixed' | 'broken';

export interface ReviewQuery {
  filter: ReviewFilter;
  /** Index of the class treated as positive for FP/FN. */
  positive: number;
  /** Run folder of the baseline for fixed/broken ('' or absent: none). */
  baseline?: string;
  change?: ReviewChange;
  /** Index into ReviewPage.lengths; -1 or absent: every length. */
  length?: number;
}

/** A word-count range of the test examples (quartiles): min..max words inclusive. */
export interface LengthBucket {
  index: number;
  min: number;
  max: number;
  /** Test examples (with a known text) in the bucket. */
  count: number;
  label: string;
}

/** A piece of a review's text; score (in [-1, 1], signed) when the word has saliency. */
export interface SaliencySpan {
  text: string;
  score?: number;
  /** Punctuation or a function word ("the", "of", "is"...): the browser can leave these unshaded. */
  minor?: boolean;
}

/**
 * One row of the mistakes list, light (no text): the whole filtered list is sent once per filter change and the
 * webview renders only the rows in view; the text and saliency of a row come as a ReviewItem when it is opened.
 */
export interface ReviewRow {
  id: string;
  label: string;
  pred: string;
  /** Probability the model gave its prediction. */
  confidence: number;
  /** FP/FN of the wrong prediction (this run's, or the baseline's for a fixed example). */
  kind: 'FP' | 'FN' | 'wrong';
  correct: boolean;
  change?: 'fixed' | 'broken';
  baselinePred?: string;
  baselineConfidence?: number;
  words?: number;
  /** The run has saliency.jsonl words for this example. */
  salient?: boolean;
  /** The saved note on this example (notes.json in the run folder). */
  note?: string;
}

/** A row of the list with what opening it adds: its text and word saliency. */
export interface ReviewItem extends Omit<ReviewRow, 'salient'> {
  text?: string;
  /** The text split into spans with word saliency (saliency.jsonl), when the run has it for this example. */
  saliency?: SaliencySpan[];
}

export interface ReviewPage {
  query: ReviewQuery;
  labels: string[];
  /** Rows matching the query. */
  total: number;
  /** Per FP/FN filter, within the current fixed/broken and length choice. */
  counts: Record<ReviewFilter, number>;
  evaluated: number;
  /** Wrong test predictions of this run, whatever the filters. */
  wrong: number;
  /** Every row matching the query, most confident first (light: the texts come per opened row). */
  rows: ReviewRow[];
  /** Runs the fixed/broken filter can compare with (completed, with test predictions). */
  baselines: { dir: string; id: string }[];
  /** The chosen baseline: test ids both runs have, and how many this run fixed and broke. */
  versus?: { id: string; shared: number; fixed: number; broken: number };
  /** Empty when the texts are unknown. */
  lengths: LengthBucket[];
  /** Examples of this run with saliency.jsonl records. */
  saliencyCount: number;
  /** Problems worth a line (damaged notes.json, baseline on other examples, ...). */
  warnings: string[];
}

/** The paired test of one run against the comparison's reference run (from the host's runs/compare). */
export interface SignificanceRow {
  runId: string;
  dir: string;
  /** e.g. "+2.0 pts"; empty with error. */
  difference: string;
  ci: string;
  discordant: string;
  p: string;
  significant: boolean;
  verdict: string;
  error?: string;
}

export interface ConfusionView {
  runId: string;
  labels: string[];
  /** cells[true][pred]: count, share of the row (0..1) and whether it is on the diagonal. */
  cells: { count: number; share: number; correct: boolean }[][];
  n: number;
}

export interface ReliabilityView {
  runId: string;
  ece: string;
  /** Non-empty confidence bins: range, mean confidence, accuracy and count. */
  bins: { lo: number; hi: number; confidence: number; accuracy: number; count: number }[];
  n: number;
}

export interface ComparisonView {
  table: ComparisonTable;
  reference: { dir: string; id: string };
  significance: SignificanceRow[];
  /** True while the host is still computing some of the paired tests. */
  pending: boolean;
  confusions: ConfusionView[];
  reliability: ReliabilityView[];
  /** "Ensemble these runs": offered when the host can ensemble them (else why not), busy while it does. */
  ensemble?: { enabled: boolean; reason?: string; busy: boolean };
}

export type ToWebview =
  | { type: 'run'; run: RunHeader; metrics: MetricRow[]; confusion?: ConfusionView }
  | { type: 'charts'; charts: ChartData[] }
  | { type: 'comparison'; view: ComparisonView }
  | { type: 'review'; page: ReviewPage }
  /** The text and saliency of the row the webview opened (answer to FromWebview reviewItem). */
  | { type: 'reviewItem'; item: ReviewItem }
  | { type: 'noteSaved'; id: string; savedAt: string }
  | { type: 'notice'; level: 'info' | 'warn' | 'error'; message: string }
  /** A run in progress: its phase, step and time left (absent once it ended). */
  | { type: 'progress'; progress?: LiveProgress };

/** One line of a running run's progress for the results panel, with the numbers behind it. */
export interface LiveProgress {
  /** e.g. "training · step 36/88 (41%) · epoch 1 · loss 0.612 · 1m 19s left" */
  text: string;
  running: true;
  step?: number;
  total?: number;
  etaSec?: number;
}

export type FromWebview =
  | { type: 'ready' }
  | { type: 'review'; query: ReviewQuery }
  /** The mistakes browser opened this row: send its ReviewItem. */
  | { type: 'reviewItem'; id: string }
  | { type: 'openRun'; dir: string }
  /** Comparison: pair every run with this one. */
  | { type: 'reference'; dir: string }
  /** Comparison: ensemble the compared runs (weights fit on validation) and open the new run. */
  | { type: 'ensemble' }
  /** A note on one example of the panel's run (empty text removes it). */
  | { type: 'note'; id: string; text: string }
  | { type: 'command'; command: 'compare' | 'evaluate' | 'export' | 'tryText' | 'reflect' | 'cancel' }
  /** What the panel drew, for the status line and the integration tests. */
  | { type: 'rendered'; points: Record<string, number> };
