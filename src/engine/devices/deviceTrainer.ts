// The device trainer: the trainer API of the host Trainer (../train/trainer.ts TrainerApi: step, evaluate,
// saliency, weights, checkpoints) executed by ResidentTrainer (./resident.ts), whose whole step — forward, backward,
// clipping, AdamW — is one graph with the state kept on the device (WebGPU: in GPU buffers; CUDA: state
// round-trips every run, as onnxruntime-node has no IO binding there). Same checkpoint format, step counters,
// learning-rate schedule, dropout RNG stream and config checks as the host trainer (../train/checkpoint.ts,
// ../train/bookkeeping.ts), so a run moves between the CPU and a GPU at any checkpoint.
// Limits: one micro-batch per optimizer step (gradAccumSteps 1: validateTrainConfig says so before anything runs).
import type { SequenceClassifier } from '../ir/model';
import { createTrainer, checkBatch, type Batch, type SaliencyResult, type StepResult, type TrainConfig, type TrainerApi } from '../train/trainer';
import { readTrainerCheckpoint, type TrainerCounters } from '../train/checkpoint';
import { ResidentTrainer, type ResidentOptions } from './resident';

/** Whether these execution providers train on a device (anything but the CPU provider first). */
export function isDeviceProviders(providers: readonly string[] | undefined): boolean {
  return !!providers && providers.length > 0 && providers[0] !== 'cpu';
}

/** The resident trainer's options for these providers: WebGPU keeps the state in GPU buffers. */
export function residentOptionsFor(providers: readonly string[], maxDims?: Readonly<Record<string, number>>): ResidentOptions {
  return { providers: [...providers], microSteps: 1, gpuBuffers: providers[0] === 'webgpu', ...(maxDims ? { maxMaskDims: maxDims } : {}) };
}

export class DeviceTrainer implements TrainerApi {
  private constructor(
    readonly model: SequenceClassifier,
    readonly config: TrainConfig,
    private resident: ResidentTrainer,
    private readonly opts: ResidentOptions,
  ) {}

  static async create(
    model: SequenceClassifier,
    weights: ReadonlyMap<string, Float32Array>,
    config: TrainConfig,
    opts: ResidentOptions = residentOptionsFor(config.providers ?? ['cpu'], config.maxDims),
  ): Promise<DeviceTrainer> {
    const o = { ...opts, microSteps: 1 };
    return new DeviceTrainer(model, config, await ResidentTrainer.create(model, weights, config, o), o);
  }

  get state(): TrainerCounters {
    return this.resident.progress;
  }

  /** Where the state lives between steps ('gpu-buffer' on WebGPU, 'cpu' otherwise). */
  get stateLocations(): string[] {
    return this.resident.stateLocations;
  }

  async step(batch: Batch): Promise<StepResult> {
    checkBatch(batch, true);
    const t0 = performance.now();
    const [r] = await this.resident.steps([batch]);
    const runMs = this.resident.lastRunMs;
    return { loss: r.loss, lr: r.lr, gradNorm: r.gradNorm, step: r.step, timings: { runMs, optimizerMs: performance.now() - t0 - runMs } };
  }

  async evaluate(batch: Batch): Promise<Float32Array> {
    checkBatch(batch, false);
    return this.resident.evaluate(batch);
  }

  async saliency(batch: Batch): Promise<SaliencyResult> {
    checkBatch(batch, false);
    return this.resident.saliency(batch);
  }

  /** Copies of the current parameters, downloaded from the device. */
  weights(): Promise<Map<string, Float32Array>> {
    return this.resident.weights();
  }

  saveCheckpoint(dir: string): Promise<string> {
    return this.resident.saveCheckpoint(dir);
  }

  /** Continues from a checkpoint of either trainer; in place unless its frozen parameters differ from the baked ones. */
  async loadCheckpoint(dir: string): Promise<TrainerCounters> {
    const ck = readTrainerCheckpoint(dir, this.model);
    if (!this.resident.load(ck)) {
      const next = await ResidentTrainer.create(this.model, ck.params, this.config, this.opts);
      next.load(ck);
      await this.resident.dispose();
      this.resident = next;
    }
    return this.state;
  }

  dispose(): Promise<void> {
    return this.resident.dispose();
  }
}

/** The trainer for config.providers: the host Trainer on the CPU provider, the device trainer otherwise. */
export function createTrainerFor(model: SequenceClassifier, weights: ReadonlyMap<string, Float32Array>, config: TrainConfig): Promise<TrainerApi> {
  return isDeviceProviders(config.providers) ? DeviceTrainer.create(model, weights, config) : createTrainer(model, weights, config);
}
