// Worker-thread entry (bundled as dist/engine-worker.js): runs a Trainer off the host's main thread, because
// onnxruntime's session.run blocks the thread it runs on. The host side is runtime/workerClient.ts.
// Messages: init, step, evaluate, saliency, save, load, weights, dispose; each answered once by id.
import { parentPort } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type { SequenceClassifier } from './ir/model';
import { createTrainer, type Trainer } from './train/trainer';
import { loadSequenceClassifier } from './weights/loadModel';
import type { WorkerModelSpec, WorkerRequest, WorkerResponse } from './runtime/workerProtocol';

let trainer: Trainer | undefined;

async function loadModel(spec: WorkerModelSpec): Promise<{ model: SequenceClassifier; weights: ReadonlyMap<string, Float32Array> }> {
  if (spec.kind === 'hf') {
    const { model, weights } = loadSequenceClassifier(spec.folder, { numLabels: spec.numLabels, seed: spec.seed });
    return { model, weights };
  }
  // a module exporting a factory (used for models that need more than a folder, and by tests)
  // require: the worker is CommonJS (bundle, or tsx in tests), and so can load TypeScript under tsx
  const mod = createRequire(__filename)(spec.module);
  const factory = mod[spec.exportName] ?? mod.default?.[spec.exportName];
  if (typeof factory !== 'function') throw new Error(`worker: ${spec.module} has no function export '${spec.exportName}'`);
  return await factory(...(spec.args ?? []));
}

async function handle(req: WorkerRequest): Promise<{ result: unknown; transfer?: ArrayBuffer[] }> {
  if (req.type === 'init') {
    if (trainer) await trainer.dispose();
    const { model, weights } = await loadModel(req.model);
    trainer = await createTrainer(model, weights, req.config);
    return { result: { architecture: model.architecture, numLabels: model.numLabels, params: model.params.length, state: trainer.state } };
  }
  if (req.type === 'dispose') {
    await trainer?.dispose();
    trainer = undefined;
    return { result: null };
  }
  if (!trainer) throw new Error(`worker: '${req.type}' before 'init'`);
  switch (req.type) {
    case 'step': return { result: await trainer.step(req.batch) };
    case 'evaluate': {
      const logits = await trainer.evaluate(req.batch);
      return { result: logits };
    }
    case 'saliency': return { result: await trainer.saliency(req.batch) };
    case 'save': return { result: await trainer.saveCheckpoint(req.dir) };
    case 'load': {
      await trainer.loadCheckpoint(req.dir);
      return { result: trainer.state };
    }
    case 'weights': {
      // copies, so the trainer keeps its own arrays
      const w = new Map([...trainer.weights()].map(([k, v]) => [k, v.slice()]));
      return { result: w, transfer: [...w.values()].map((v) => v.buffer as ArrayBuffer) };
    }
  }
}

if (parentPort) {
  const port = parentPort;
  // one request at a time, in order (the trainer is not re-entrant)
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
