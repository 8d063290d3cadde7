// The trainer checkpoint format ('gft-trainer-1'), one module for every reader and writer: the host Trainer
// (./trainer.ts), the device trainer (../devices), and the host's predictor, export and reflection, which read
// only the parameters. One safetensors file, trainer.safetensors, in a checkpoint folder:
//   param/<name>   every parameter (frozen ones included), F32, the model's own (Hugging Face) layout
//   adam_m/<name>  adam_v/<name>   AdamW moments of the trainable parameters
//   metadata: format, step (optimizer updates done), microStep (micro-batches run: the dropout RNG counter),
//             seed, architecture, trainable (JSON list of the trained parameter names)
// Checkpoints are device-independent: a run started on the CPU continues on a GPU and back.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SequenceClassifier } from '../ir/model';
import { readSafetensorsWithMetadata, writeSafetensors, type SafeTensor } from '../weights/safetensors';
import { TRAINER_CHECKPOINT } from '../../shared/runLayout';

export const TRAINER_FORMAT = 'gft-trainer-1';
export { TRAINER_CHECKPOINT };
const PARAM = 'param/';

/** The file of a checkpoint folder. */
export function trainerCheckpointPath(dir: string): string {
  return join(dir, TRAINER_CHECKPOINT);
}

export function hasTrainerCheckpoint(dir: string): boolean {
  return existsSync(trainerCheckpointPath(dir));
}

/** Optimizer steps done and micro-batches run (the dropout RNG counter): the trainer's position in its run. */
export interface TrainerCounters {
  step: number;
  microStep: number;
}

export interface TrainerCheckpoint extends TrainerCounters {
  params: ReadonlyMap<string, Float32Array>;
  /** Adam moments of the trainable parameters (absent for a parameter = zeros) */
  m: ReadonlyMap<string, Float32Array>;
  v: ReadonlyMap<string, Float32Array>;
  seed: number;
  architecture: string;
  /** names of the trained parameters */
  trainable: string[];
}

/** Writes `dir`/trainer.safetensors (atomically); returns its path. Shapes come from the model's parameters. */
export function writeTrainerCheckpoint(dir: string, model: SequenceClassifier, c: Omit<TrainerCheckpoint, 'architecture'>): string {
  mkdirSync(dir, { recursive: true });
  const t = new Map<string, SafeTensor>();
  const shape = new Map(model.params.map((p) => [p.name, p.shape]));
  for (const p of model.params) {
    const data = c.params.get(p.name);
    if (!data) throw new Error(`saveCheckpoint: no values for parameter '${p.name}'`);
    t.set(`${PARAM}${p.name}`, { dtype: 'F32', shape: p.shape, data });
  }
  for (const name of c.trainable) {
    const m = c.m.get(name),
      v = c.v.get(name);
    if (!m || !v) throw new Error(`saveCheckpoint: no Adam moments for trainable parameter '${name}'`);
    t.set(`adam_m/${name}`, { dtype: 'F32', shape: shape.get(name)!, data: m });
    t.set(`adam_v/${name}`, { dtype: 'F32', shape: shape.get(name)!, data: v });
  }
  const path = trainerCheckpointPath(dir);
  writeSafetensors(path, t, {
    format: TRAINER_FORMAT,
    step: String(c.step),
    microStep: String(c.microStep),
    seed: String(c.seed),
    architecture: model.architecture,
    trainable: JSON.stringify(c.trainable),
  });
  return path;
}

function readFile(path: string, filter?: (name: string) => boolean) {
  let file;
  try {
    file = readSafetensorsWithMetadata(path, filter ? { filter } : {});
  } catch (e) {
    throw new Error(`loadCheckpoint: cannot read ${path}: ${(e as Error).message}`);
  }
  if (file.metadata.format !== TRAINER_FORMAT)
    throw new Error(`loadCheckpoint: ${path} is not a trainer checkpoint (format '${file.metadata.format}', want '${TRAINER_FORMAT}')`);
  return file;
}

/**
 * Reads `dir`/trainer.safetensors for `model`: every parameter must be there with the model's size; moments are
 * returned for the parameters that have them (a checkpoint from a run with another trainLayers setting has none for
 * newly trained parameters).
 */
export function readTrainerCheckpoint(dir: string, model: SequenceClassifier): TrainerCheckpoint {
  const path = trainerCheckpointPath(dir);
  const { tensors, metadata } = readFile(path);
  if (metadata.architecture !== model.architecture)
    throw new Error(`loadCheckpoint: checkpoint is for '${metadata.architecture}', this trainer runs '${model.architecture}'`);
  const f32 = (key: string, n: number) => {
    const x = tensors.get(key);
    if (!x || !(x.data instanceof Float32Array) || x.data.length !== n) throw new Error(`loadCheckpoint: '${key}' missing or of the wrong size in ${path}`);
    return x.data;
  };
  const params = new Map<string, Float32Array>(),
    m = new Map<string, Float32Array>(),
    v = new Map<string, Float32Array>();
  for (const p of model.params) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    params.set(p.name, f32(`${PARAM}${p.name}`, n));
    if (tensors.has(`adam_m/${p.name}`)) m.set(p.name, f32(`adam_m/${p.name}`, n));
    if (tensors.has(`adam_v/${p.name}`)) v.set(p.name, f32(`adam_v/${p.name}`, n));
  }
  const step = Number(metadata.step),
    microStep = Number(metadata.microStep);
  if (!Number.isInteger(step) || step < 0 || !Number.isInteger(microStep) || microStep < 0)
    throw new Error(`loadCheckpoint: ${path} has no valid step counters (step '${metadata.step}', microStep '${metadata.microStep}')`);
  let trainable: string[] = [];
  try {
    trainable = JSON.parse(metadata.trainable ?? '[]');
  } catch {
    /* older files: the moments say it */
  }
  return { params, m, v, step, microStep, seed: Number(metadata.seed), architecture: metadata.architecture, trainable };
}

/**
 * Only the parameters of a trainer checkpoint file, by name (no model needed: predictor, export, reflection);
 * the Adam moments are not read.
 */
export function readTrainerParams(path: string): Map<string, Float32Array> {
  const { tensors } = readFile(path, (name) => name.startsWith(PARAM));
  const out = new Map<string, Float32Array>();
  for (const [k, t] of tensors) if (t.data instanceof Float32Array) out.set(k.slice(PARAM.length), t.data);
  return out;
}

/** Bytes of the parameters in a trainer checkpoint file's header (the model's size without optimizer state). */
export const TRAINER_PARAM_PREFIX = PARAM;
