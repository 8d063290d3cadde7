// The worker side of the engine worker: answers WorkerRequests (workerProtocol.ts) with one trainer, one request
// at a time, in order (the trainer is not re-entrant). The trainer is the host Trainer when config.providers is the
// CPU's, else the device trainer (../devices/deviceTrainer.ts: webgpu keeps the state in GPU buffers, cuda
// round-trips it); both answer the same requests. src/engine/worker.ts serves it with the engine's own model
// loader; a program with its own models (the training host) passes a loader that knows them and falls back to
// loadWorkerModel for the engine's kinds.
import { createRequire } from 'node:module';
import type { MessagePort } from 'node:worker_threads';
import type { SequenceClassifier } from '../ir/model';
import type { TrainerApi } from '../train/trainer';
import { createTrainerFor, isDeviceProviders } from '../devices/deviceTrainer';
import { loadSequenceClassifier } from '../weights/loadModel';
import type { WorkerModelSpec, WorkerRequest, WorkerResponse } from './workerProtocol';

export interface WorkerModel {
  model: SequenceClassifier;
  weights: ReadonlyMap<string, Float32Array>;
}

/** Loads the model (and its weights) that 'init' names. */
export type WorkerModelLoader = (spec: WorkerModelSpec) => Promise<WorkerModel>;

/** The engine's model kinds: 'hf' (a Hugging Face folder) and 'factory' (a module exporting a function). */
export async function loadWorkerModel(spec: WorkerModelSpec): Promise<WorkerModel> {
  if (spec.kind === 'hf') {
    const { model, weights } = loadSequenceClassifier(spec.folder, { numLabels: spec.numLabels, seed: spec.seed });
    return { model, weights };
  }
  if (spec.kind === 'factory') {
    // require: the worker is CommonJS (bundle, or tsx in tests), and so can load TypeScript under tsx
    const mod = createRequire(__filename)(spec.module);
    const factory = mod[spec.exportName] ?? mod.default?.[spec.exportName];
    if (typeof factory !== 'function') throw new Error(`worker: ${spec.module} has no function export '${spec.exportName}'`);
    return await factory(...(spec.args ?? []));
  }
  throw new Error(`worker: this worker script cannot load '${spec.kind}' models; start the worker script that serves them`);
}

/** Serves trainer requests on `port` until the thread ends. */
export function serveTrainer(port: MessagePort, loadModel: WorkerModelLoader = loadWorkerModel): void {
  let trainer: TrainerApi | undefined;

  async function handle(req: WorkerRequest): Promise<{ result: unknown; transfer?: ArrayBuffer[] }> {
    if (req.type === 'init') {
      await trainer?.dispose();
      trainer = undefined;
      const { model, weights } = await loadModel(req.model);
      trainer = await createTrainerFor(model, weights, req.config);
      const executor = isDeviceProviders(req.config.providers) ? 'device' : 'host';
      return { result: { architecture: model.architecture, numLabels: model.numLabels, params: model.params.length, state: trainer.state, executor } };
    }
    if (req.type === 'dispose') {
      await trainer?.dispose();
      trainer = undefined;
      return { result: null };
    }
    if (!trainer) throw new Error(`worker: '${req.type}' before 'init'`);
    switch (req.type) {
      case 'step':
        return { result: await trainer.step(req.batch) };
      case 'evaluate':
        return { result: await trainer.evaluate(req.batch) };
      case 'saliency':
        return { result: await trainer.saliency(req.batch) };
      case 'save':
        return { result: await trainer.saveCheckpoint(req.dir) };
      case 'load':
        return { result: await trainer.loadCheckpoint(req.dir) };
      case 'weights': {
        // copies, so the trainer keeps its own arrays
        const w = new Map([...(await trainer.weights())].map(([k, v]) => [k, v.slice()]));
        return { result: w, transfer: [...w.values()].map((v) => v.buffer as ArrayBuffer) };
      }
    }
  }

  let queue: Promise<void> = Promise.resolve();
  port.on('message', (req: WorkerRequest) => {
    queue = queue.then(async () => {
      let res: WorkerResponse;
      let transfer: ArrayBuffer[] = [];
      try {
        const r = await handle(req);
        res = { id: req.id, ok: true, result: r.result };
        transfer = r.transfer ?? [];
      } catch (e) {
        res = { id: req.id, ok: false, error: (e as Error).message ?? String(e) };
      }
      port.postMessage(res, transfer);
    });
  });
}
