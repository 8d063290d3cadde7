// Messages between the host and the engine worker (src/engine/worker.ts).
import type { Batch, TrainConfig } from '../train/trainer';

export type WorkerModelSpec =
  /** a Hugging Face folder (config.json + safetensors), loaded by weights/loadModel.ts */
  | { kind: 'hf'; folder: string; numLabels?: number; seed?: number }
  /** a module exporting `exportName(...args) => { model, weights } | Promise<...>` (absolute path) */
  | { kind: 'factory'; module: string; exportName: string; args?: unknown[] }
  /** a kind that the worker script's own loader knows (runtime/workerServer.ts: serveTrainer's loadModel) */
  | { kind: 'custom'; spec: unknown };

export type WorkerRequest = { id: number } & (
  | { type: 'init'; model: WorkerModelSpec; config: TrainConfig }
  | { type: 'step'; batch: Batch }
  | { type: 'evaluate'; batch: Batch }
  | { type: 'saliency'; batch: Batch }
  | { type: 'save'; dir: string }
  | { type: 'load'; dir: string }
  | { type: 'weights' }
  | { type: 'dispose' }
);

export type WorkerResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
