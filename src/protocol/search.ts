// The hyperparameter search (gft search, the form's "Search…"): its request, and search.json, the folder's record
// (src/host/jobs/search.ts writes it atomically after every step; the CLI, the Runs view and the trials view read it).
import type { DataSource, DeviceChoice } from './rpc';
import type { RunStatus } from './runs';
import type { TrainConfig } from '../shared/settingsTable';

export interface SearchParams extends DataSource {
  model: string;
  /** The search folder: search.json, trial-01 ... (run folders), final. The same folder again resumes. */
  dir: string;
  /** Wall-clock minutes for the trials (probes included); the final run comes after them. */
  budgetMinutes: number;
  /** Seed of the sampled configurations (each trial's run keeps config.seed). Default 0. */
  seed?: number;
  /** Most trials in the first rung (default 27). */
  maxTrials?: number;
  /** Settings not searched (a searched one given here is fixed instead); epochs is the top rung. */
  config: Partial<TrainConfig>;
  device?: DeviceChoice;
  threads?: number;
}

export interface SearchRung {
  /** Epochs the trial has trained when the rung ends. */
  epochs: number;
  status: RunStatus;
  /** The trial's best validation value (the bestMetric) so far. */
  value?: number;
  /** Wall-clock seconds of this rung's job and its estimate. */
  seconds?: number;
  estimatedSeconds: number;
}

export interface SearchTrial {
  /** 1, 2, ... in the order the plan took them. */
  trial: number;
  /** Which sample of the seeded sequence (samples too slow for the budget are skipped). */
  sample: number;
  runId: string;
  /** The sampled values (the searched settings). */
  sampled: Partial<TrainConfig>;
  /** Estimated seconds per epoch (steps and one validation pass) and to set a run up, from the probe of its shape. */
  estimate: { epochSeconds: number; setupSeconds: number; shape: string };
  rungs: SearchRung[];
  error?: string;
}

export type SearchStatus = 'running' | 'completed' | 'cancelled' | 'failed';

/** search.json. */
export interface SearchRecord {
  /** What the folder was made for: a rerun must give the same (device and threads may change). */
  settings: Omit<SearchParams, 'dir' | 'device' | 'threads'>;
  /** The space in words, one line per searched setting. */
  space: Record<string, string>;
  /** The settings every trial shares (the fixed ones, defaults filled in). */
  fixed: Partial<TrainConfig>;
  metric: TrainConfig['bestMetric'];
  /** Successive halving: rung r ends at rungs[r] epochs; the best 1/eta of a rung continue to the next. */
  rungs: number[];
  eta: number;
  budget: { seconds: number; covers: string };
  /** Per shape of training run (what sets the time of a step), the probe's estimate. */
  probes: Record<string, { epochSeconds: number; setupSeconds: number }>;
  /** The trials of each rung (rung 0: every trial) and the estimated seconds of the whole plan. */
  plan?: { trials: number; rungSizes: number[]; estimatedSeconds: number };
  trials: SearchTrial[];
  /** Samples the plan left out: their first rung would not have fit in what was left of the budget. */
  skipped?: { sample: number; sampled: Partial<TrainConfig>; estimatedSeconds: number }[];
  /** Wall-clock seconds spent on probes and trials, over every session. */
  spentSeconds: number;
  /** Why no further trial started (the budget, a cancel). */
  stopReason?: string;
  status: SearchStatus;
  best?: { trial: number; runId: string; value: number; epochs: number; config: Partial<TrainConfig> };
  /** The best configuration trained again from the start on the training split, then tested once. */
  final?: { runId: string; status: RunStatus; test?: { accuracy: number; accuracyCI: [number, number]; macroF1: number; n: number } };
  error?: string;
}

export interface SearchResult {
  status: SearchStatus;
  dir: string;
  record: SearchRecord;
  error?: string;
}

export const SEARCH_FILE = 'search.json';
export const FINAL_RUN = 'final';
export const trialRunId = (trial: number): string => `trial-${String(trial).padStart(2, '0')}`;
