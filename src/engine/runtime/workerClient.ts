// Host side of the engine worker: the Trainer API, with every call answered from a worker thread so the
// host's event loop stays responsive while onnxruntime runs.
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Batch, SaliencyResult, StepResult, TrainConfig } from '../train/trainer';
import type { WorkerModelSpec, WorkerRequest, WorkerResponse } from './workerProtocol';

export interface WorkerStartOptions {
  /**
   * the worker script; default: engine-worker.js next to the running bundle (dist/). A .ts path (running from
   * source, tests) is loaded through tsx's CommonJS hook, a development dependency.
   */
  workerPath?: string;
  execArgv?: string[];
}

function startThread(path: string, execArgv?: string[]): Worker {
  if (!path.endsWith('.ts')) return new Worker(path, { execArgv });
  // resolved here: the thread's own require starts from the working directory
  const tsx = createRequire(__filename).resolve('tsx/cjs/api');
  const code = `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(path)});`;
  return new Worker(code, { eval: true, execArgv });
}

export interface WorkerInfo {
  architecture: string;
  numLabels: number;
  params: number;
  /** which trainer executes the steps: 'host' (TypeScript AdamW, CPU provider) or 'device' (../devices/deviceTrainer.ts) */
  executor: 'host' | 'device';
}

type Req = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export class TrainerWorker {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private exited: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: WorkerResponse) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.error));
    });
    const fail = (e: Error) => {
      this.exited = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', (e) => fail(new Error(`engine worker crashed: ${e.message}`)));
    worker.on('exit', (code) => fail(new Error(`engine worker exited (code ${code})`)));
  }

  /** Starts the worker and creates the trainer in it. */
  static async start(model: WorkerModelSpec, config: TrainConfig, opts: WorkerStartOptions = {}): Promise<{ worker: TrainerWorker; info: WorkerInfo }> {
    const path = opts.workerPath ?? join(__dirname, 'engine-worker.js');
    if (!existsSync(path)) throw new Error(`engine worker script not found at ${path}: run \`npm run build\` (it makes dist/engine-worker.js)`);
    const w = new TrainerWorker(startThread(path, opts.execArgv));
    try {
      const info: WorkerInfo = await w.call({ type: 'init', model, config });
      return { worker: w, info };
    } catch (e) {
      await w.worker.terminate();
      throw e;
    }
  }

  private call(req: Req): Promise<any> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id });
    });
  }

  step(batch: Batch): Promise<StepResult> {
    return this.call({ type: 'step', batch });
  }
  evaluate(batch: Batch): Promise<Float32Array> {
    return this.call({ type: 'evaluate', batch });
  }
  saliency(batch: Batch): Promise<SaliencyResult> {
    return this.call({ type: 'saliency', batch });
  }
  saveCheckpoint(dir: string): Promise<string> {
    return this.call({ type: 'save', dir });
  }
  loadCheckpoint(dir: string): Promise<{ step: number; microStep: number }> {
    return this.call({ type: 'load', dir });
  }
  /** A copy of the current parameters. */
  weights(): Promise<Map<string, Float32Array>> {
    return this.call({ type: 'weights' });
  }

  async dispose(): Promise<void> {
    if (!this.exited) {
      try {
        await this.call({ type: 'dispose' });
      } catch {
        /* exiting anyway */
      }
    }
    await this.worker.terminate();
  }
}
