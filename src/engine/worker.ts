// Worker-thread entry (bundled as dist/engine-worker.js): runs a Trainer off the caller's main thread, because
// onnxruntime's session.run blocks the thread it runs on. The caller's side is runtime/workerClient.ts, the
// request handling runtime/workerServer.ts. The training host starts its own entry (src/host/train/trainWorker.ts),
// which serves the same requests with a loader that also knows the host's models.
import { parentPort } from 'node:worker_threads';
import { serveTrainer } from './runtime/workerServer';

if (parentPort) serveTrainer(parentPort);
