// Messages between the extension and the results panel's webview (webview/main.ts). Types only. The extension
// computes every view model (src/ui/viewmodel); the webview only renders and reports user actions.
// (Named webviewMessages, not webview: the ESLint rule that keeps webview/ code out of the extension matches
// any import path ending in /webview.)

/** One chart as uPlot wants it: shared x (optimizer steps) and one y column per series, null = no point. */
export interface ChartData {
  id: 'loss' | 'accuracy' | 'lr';
  title: string;
  xLabel: string;
  yLabel: string;
  x: number[];
  series: { label: string; values: (number | null)[]; style?: 'line' | 'faint' | 'points' }[];
}

export interface RunHeader {
  id: string;
  dir: string;
  kind: string;
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  model?: string;
  dataset?: string;
  device?: string;
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
  rows: { runId: string; dir: string; cells: string[]; best?: boolean }[];
  /** Why two rows may not be comparable (different test sets, missing metrics, ...). */
  notes: string[];
}

export type ReviewFilter = 'all' | 'fp' | 'fn';

export interface ReviewQuery {
  filter: ReviewFilter;
  /** Index of the class treated as positive for FP/FN. */
  positive: number;
  offset: number;
  limit: number;
}

export interface ReviewItem {
  id: string;
  label: string;
  pred: string;
  /** Probability the model gave its (wrong) prediction. */
  confidence: number;
  kind: 'FP' | 'FN' | 'wrong';
  text?: string;
}

export interface ReviewPage {
  query: ReviewQuery;
  labels: string[];
  total: number;
  counts: Record<ReviewFilter, number>;
  evaluated: number;
  items: ReviewItem[];
}

export type ToWebview =
  | { type: 'run'; run: RunHeader; metrics: MetricRow[] }
  | { type: 'charts'; charts: ChartData[] }
  | { type: 'comparison'; table: ComparisonTable }
  | { type: 'review'; page: ReviewPage }
  | { type: 'notice'; level: 'info' | 'warn' | 'error'; message: string };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'review'; query: ReviewQuery }
  | { type: 'openRun'; dir: string }
  | { type: 'command'; command: 'compare' | 'evaluate' | 'export' | 'tryText' | 'reflect' }
  /** What the panel drew, for the status line and the integration tests. */
  | { type: 'rendered'; points: Record<string, number> };
