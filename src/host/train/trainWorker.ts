// The training host's worker-thread entry (bundled as dist/train-worker.js): the engine's trainer server
// (engine/runtime/workerServer.ts) with a loader that also builds the host's models, so a run's forward, backward
// and optimizer steps run off the host's event loop and the host keeps answering (progress, cancel, other
// requests) during a step. setup.ts starts it; the model spec is TrainWorkerModel.
import { parentPort } from 'node:worker_threads';
import { loadWorkerModel, serveTrainer, type WorkerModelSpec } from '../../engine';
import { docPoolModel } from './docPool';
import { classifierOf } from './model';

/** The host's model spec for the worker: the model source (model.ts: classifierOf), wrapped for 'sentence-mean'. */
export interface TrainWorkerModel {
  source: string;
  numLabels: number;
  seed: number;
  sentenceMean: boolean;
}

async function load(spec: WorkerModelSpec) {
  if (spec.kind !== 'custom') return loadWorkerModel(spec);
  const s = spec.spec as TrainWorkerModel;
  const { model, weights } = classifierOf(s.source, s.numLabels, s.seed);
  return { model: s.sentenceMean ? docPoolModel(model) : model, weights: weights! };
}

if (parentPort) serveTrainer(parentPort, load);
