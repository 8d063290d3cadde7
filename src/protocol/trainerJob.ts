// Messages of the Trainer-job export and the model import (src/host/jobs/trainerJob.ts, importModel.ts).
import type { DataSource, DeviceChoice } from './rpc';

/** Export a fine-tuning run as a Hugging Face Trainer + accelerate job folder. */
export interface ExportTrainerJobParams {
  runDir: string;
  /** The job folder to create (new or empty). */
  out: string;
}
export interface ExportTrainerJobResult {
  dir: string;
  files: string[];
  stepsPerEpoch: number;
  totalSteps: number;
}

/** A Hugging Face sequence-classification checkpoint folder as a run, evaluated on a split's test set. */
export interface ImportModelParams extends DataSource {
  /** The checkpoint folder (config.json with id2label, model.safetensors, the tokenizer). */
  model: string;
  /** A run folder whose data and split to use (instead of data/trainFile/evalFile/split). */
  splitOf?: string;
  /** The run's name (default 'imported · <folder>'). */
  name?: string;
  runsRoot: string;
  runId?: string;
  /** The model's label names -> the dataset's, when they differ (e.g. LABEL_0=neg). */
  labelMap?: Record<string, string>;
  /** How to read the test texts (default: the job's settings, else 128 tokens, head). */
  maxLength?: number;
  longText?: 'head' | 'tail' | 'head+tail' | 'chunks';
  device?: DeviceChoice;
  threads?: number;
}
