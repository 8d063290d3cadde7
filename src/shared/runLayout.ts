// The run folder's layout, one list for every reader and writer (host, client, extension, engine checkpoints):
//   <run>/run.json           manifest (src/protocol/runs.ts), replaced atomically
//   <run>/metrics.jsonl      one metric record a line, appended      <run>/predictions.jsonl  test predictions
//   <run>/log.txt            the job's log                           <run>/split.json         the split manifest
//   <run>/saliency.jsonl     token attributions of test examples     <run>/notes.json         notes on examples
//   <run>/checkpoints/<name>/  best, last, step-<n>: trainer.safetensors (a trainer checkpoint, engine/train/checkpoint.ts)
//                              or model.safetensors (plain Hugging Face names), plus a baseline's own files;
//                              last's trainer.safetensors is a hard link to best's when both hold the same weights

export const RUN_FILES = {
  manifest: 'run.json',
  metrics: 'metrics.jsonl',
  predictions: 'predictions.jsonl',
  log: 'log.txt',
  split: 'split.json',
  saliency: 'saliency.jsonl',
  notes: 'notes.json',
  checkpoints: 'checkpoints',
} as const;

/** The lines of log.txt a failed run keeps in run.json (logTail). */
export const LOG_TAIL_LINES = 40;

/** Names of checkpoint folders under checkpoints/: the best by the chosen metric, the latest, and step-<n>. */
export const CHECKPOINT_BEST = 'best';
export const CHECKPOINT_LAST = 'last';
export const stepCheckpoint = (step: number): string => `step-${step}`;
/** The step of a 'step-<n>' checkpoint name, or undefined for best, last and anything else. */
export function checkpointStep(name: string): number | undefined {
  const m = /^step-(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Files of a checkpoint folder: the trainer checkpoint (parameters + optimizer state) or plain model weights. */
export const TRAINER_CHECKPOINT = 'trainer.safetensors';
export const MODEL_WEIGHTS = 'model.safetensors';
