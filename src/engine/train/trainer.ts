// The trainer: one long-lived onnxruntime session per program (train, eval, saliency). Gradients come back as
// outputs (the embedding matrix's sparsely, as gathered rows + ids), AdamW runs in TypeScript in place on the
// Float32Arrays that are fed as inputs (see README.md, "Runtime strategy", for the measurements behind this).
import * as ort from 'onnxruntime-node';
import type { SequenceClassifier } from '../ir/model';
import type { DropoutSite } from '../ir/types';
import { resolveShape } from '../ir/shape';
import { Program, type TensorData } from '../runtime/session';
import { adamwUpdate, clipCoef, sumSquares } from '../optim/adamw';
import type { ScheduleName } from '../optim/schedule';
import { fillKeepMask, maskOffsets } from './rng';
import { buildEvalGraph, buildSaliencyGraph, buildTrainGraph, lrScaleOf, trainableFilter, type TrainLayers, type TrainGraph } from './program';
import { readTrainerCheckpoint, writeTrainerCheckpoint, type TrainerCounters } from './checkpoint';
import { StepClock, validateTrainConfig } from './bookkeeping';

export interface TrainConfig {
  lr: number;
  weightDecay: number;
  betas: [number, number];
  eps: number;
  /** global-norm clipping threshold; 0 = off */
  maxGradNorm: number;
  warmupSteps: number;
  totalSteps: number;
  schedule: ScheduleName;
  /** micro-batches per optimizer step: step(batch) splits the batch into this many equal parts */
  gradAccumSteps: number;
  seed: number;
  trainLayers: TrainLayers;
  /** layer-wise learning-rate decay in (0, 1]: see lrScaleOf (default 1 = every parameter at lr) */
  layerLrDecay?: number;
  classWeights?: number[];
  dropout: boolean;
  threads?: number;
  /** onnxruntime intra-op threads spin while idle (default false; see runtime/session.ts) */
  spinning?: boolean;
  /** onnxruntime execution providers (default ['cpu']; see src/engine/devices for probing CUDA / WebGPU) */
  providers?: string[];
  /** the largest value each symbolic dim of the batches takes (e.g. { batch: 16, seq: 256 }): the device trainer
   * bounds its in-graph dropout stream with it (see devices/README.md, the WebGPU Where limit) */
  maxDims?: Record<string, number>;
  /** see TrainGraphOptions.sparseMinElements (default 2^20; Infinity = dense embedding gradients) */
  sparseMinElements?: number;
}

export interface Batch {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds?: BigInt64Array;
  labels?: BigInt64Array;
  batch: number;
  seq: number;
  /**
   * Further graph inputs, fed as given: doc_pool [docs, batch] of models/docPool.ts, whose labels are one per
   * document rather than one per row. A batch with extra inputs runs as one micro-batch.
   */
  extra?: Record<string, TensorData>;
}

export interface StepResult {
  /** mean loss over the micro-batches */
  loss: number;
  /** learning rate used by this update */
  lr: number;
  /** global L2 norm of the (averaged) gradient before clipping */
  gradNorm: number;
  /** optimizer updates done so far (this one included) */
  step: number;
  /**
   * wall time in onnxruntime and outside it. Host trainer: runMs = forward + backward, optimizerMs = TypeScript
   * (gradient gathering, clipping, AdamW). Device trainer: runMs = the whole step graph (optimizer included),
   * optimizerMs = host work before and after it (dropout masks, feeds, reading the loss).
   */
  timings: { runMs: number; optimizerMs: number };
}

export interface SaliencyResult {
  logits: Float32Array;
  /** per token [batch * seq]: L2 norm of d(predicted logit)/d(token embedding) */
  gradNorm: Float32Array;
  /** per token [batch * seq]: gradient . embedding */
  gradXInput: Float32Array;
}

/**
 * A trainer as the engine worker serves it (runtime/workerServer.ts): the host Trainer below and the device trainer
 * (../devices/deviceTrainer.ts) implement it; they share the checkpoint format (./checkpoint.ts), the step
 * bookkeeping and the config checks (./bookkeeping.ts), and differ only in how a step executes.
 */
export interface TrainerApi {
  readonly state: TrainerCounters;
  step(batch: Batch): Promise<StepResult>;
  evaluate(batch: Batch): Promise<Float32Array>;
  saliency(batch: Batch): Promise<SaliencyResult>;
  /** current parameters (the host trainer's own arrays; the device trainer's are downloaded copies) */
  weights(): Map<string, Float32Array> | Promise<Map<string, Float32Array>>;
  saveCheckpoint(dir: string): Promise<string>;
  loadCheckpoint(dir: string): Promise<TrainerCounters>;
  dispose(): Promise<void>;
}

interface Slot {
  name: string;
  data: Float32Array;
  trainable: boolean;
  decay: boolean;
  /** the factor of the learning rate of this parameter (layer-wise decay; 1 without) */
  lrScale: number;
  m?: Float32Array;
  v?: Float32Array;
  grad?: Float32Array;
}

export class Trainer implements TrainerApi {
  /** optimizer updates and micro-batches run (the dropout RNG counter: RNG state = seed + this counter) */
  private readonly clock: StepClock;
  private evalProgram?: Program;
  private saliencyProgram?: Program;
  private readonly paramFeeds: Record<string, ort.Tensor> = {};
  private readonly maskBuffers = new Map<string, Uint8Array>();

  private constructor(
    readonly model: SequenceClassifier,
    readonly config: TrainConfig,
    private readonly slots: Map<string, Slot>,
    private readonly tg: TrainGraph,
    private readonly train: Program,
  ) {
    for (const s of slots.values()) this.paramFeeds[s.name] = new ort.Tensor('float32', s.data, this.shapeOf(s.name));
    this.clock = new StepClock(config);
  }

  static async create(model: SequenceClassifier, weights: ReadonlyMap<string, Float32Array>, config: TrainConfig): Promise<Trainer> {
    validateTrainConfig(config, 'host');
    const isTrainable = trainableFilter(model, config.trainLayers);
    const info = new Map(model.params.map((p) => [p.name, p]));
    const tg = buildTrainGraph(model, {
      trainable: (n) => {
        const p = info.get(n);
        return p !== undefined && isTrainable(p);
      },
      dropout: config.dropout,
      seed: config.seed,
      classWeights: config.classWeights,
      sparseMinElements: config.sparseMinElements,
      // only read when a step is one micro-batch; with accumulation the summed gradients are squared in TypeScript
      gradSquares: config.gradAccumSteps === 1,
    });
    const trainable = new Set(tg.trainable);
    const sparse = new Set(tg.sparse.map((x) => x.name));
    const slots = new Map<string, Slot>();
    const lrScale = lrScaleOf(model, config.layerLrDecay);
    for (const p of model.params) {
      const w = weights.get(p.name);
      const n = p.shape.reduce((a, b) => a * b, 1);
      if (!w) throw new Error(`createTrainer: no weights for parameter '${p.name}' [${p.shape}]`);
      if (w.length !== n) throw new Error(`createTrainer: weights for '${p.name}' have ${w.length} values, shape [${p.shape}] needs ${n}`);
      const t = trainable.has(p.name);
      slots.set(p.name, {
        name: p.name,
        data: Float32Array.from(w),
        trainable: t,
        decay: p.decay,
        lrScale: lrScale(p),
        ...(t ? { m: new Float32Array(n), v: new Float32Array(n) } : {}),
        // gradient buffers: always for sparse gradients; for dense ones only once accumulation needs them
        ...(sparse.has(p.name) ? { grad: new Float32Array(n) } : {}),
      });
    }
    const train = await Program.compile(tg.graph, { threads: config.threads, providers: config.providers, spinning: config.spinning });
    return new Trainer(model, config, slots, tg, train);
  }

  private shapeOf(name: string): number[] {
    return this.model.params.find((p) => p.name === name)!.shape;
  }

  get state(): TrainerCounters {
    return this.clock.counters;
  }

  private inputFeeds(b: Batch, from: number, count: number, sites: readonly DropoutSite[]): Record<string, TensorData | ort.Tensor> {
    const n = b.seq;
    const cut = (a: BigInt64Array) => a.subarray(from * n, (from + count) * n);
    const dims = [count, n];
    const feeds: Record<string, TensorData | ort.Tensor> = { ...this.paramFeeds };
    const names = this.model.inputNames;
    if (names.includes('input_ids')) feeds.input_ids = { data: cut(b.inputIds), dims };
    if (names.includes('attention_mask')) feeds.attention_mask = { data: cut(b.attentionMask), dims };
    if (names.includes('token_type_ids')) feeds.token_type_ids = { data: b.tokenTypeIds ? cut(b.tokenTypeIds) : new BigInt64Array(count * n), dims };
    if (b.labels) feeds.labels = b.extra ? { data: b.labels, dims: [b.labels.length] } : { data: b.labels.subarray(from, from + count), dims: [count] };
    if (b.extra) Object.assign(feeds, b.extra);
    // the sites' parts of the micro-step's stream: the same masks as the device trainer's in-graph ones
    const offsets = sites.length ? maskOffsets(sites, { batch: count, seq: n }) : [];
    for (const [i, site] of sites.entries()) {
      const shape = resolveShape(site.shape, { batch: count, seq: n });
      const key = `${site.mask!.name}:${shape}`;
      let buf = this.maskBuffers.get(key);
      if (!buf) this.maskBuffers.set(key, (buf = new Uint8Array(shape.reduce((a, c) => a * c, 1))));
      fillKeepMask(buf, site.rate, this.config.seed, this.clock.microStep, offsets[i]);
      feeds[site.mask!.name] = { data: buf, dims: shape };
    }
    return feeds;
  }

  /**
   * One optimizer update over `batch`, split into gradAccumSteps micro-batches whose gradients are averaged
   * (a batch smaller than gradAccumSteps gives one micro-batch per example).
   */
  async step(batch: Batch): Promise<StepResult> {
    checkBatch(batch, true);
    // K micro-batches of near-equal size (equal when the batch size is a multiple of gradAccumSteps; a short
    // last batch of an epoch gets fewer or smaller micro-batches), each loss a mean, averaged over K as HF does
    const K = batch.extra ? 1 : Math.min(this.config.gradAccumSteps, batch.batch);
    const starts = Array.from({ length: K + 1 }, (_, k) => Math.round((k * batch.batch) / K));
    const trainSlots = [...this.slots.values()].filter((s) => s.trainable);
    // Dense gradients: with one micro-batch the output arrays are used as they are; otherwise they are summed
    // into the slot's buffer. Sparse (embedding) gradients are scatter-added into a buffer kept all-zero
    // between steps: only the touched rows are cleared afterwards.
    const dense = new Map<string, Float32Array>();
    const touched = new Map<string, number[]>();
    let lossSum = 0,
      runMs = 0;
    // with one micro-batch, the dense gradients' sums of squares come from the graph (float32 sums per row, added
    // here in float64)
    let denseSq: number | null = null;
    const t0 = performance.now();
    for (let k = 0; k < K; k++) {
      const feeds = this.inputFeeds(batch, starts[k], starts[k + 1] - starts[k], this.tg.graph.dropoutSites);
      const r0 = performance.now();
      const out = await this.train.run(feeds);
      runMs += performance.now() - r0;
      lossSum += Number(out.loss.data[0]);
      if (K === 1 && out.gradSquares) denseSq = (out.gradSquares.data as Float32Array).reduce((a, b) => a + b, 0);
      for (const name of this.tg.dense) {
        const d = out[`grad/${name}`].data as Float32Array;
        if (K === 1) {
          dense.set(name, d);
          continue;
        }
        const slot = this.slots.get(name)!;
        const acc = (slot.grad ??= new Float32Array(slot.data.length));
        if (k === 0) acc.set(d);
        else for (let i = 0; i < acc.length; i++) acc[i] += d[i];
        dense.set(name, acc);
      }
      for (const s of this.tg.sparse) {
        const acc = this.slots.get(s.name)!.grad!;
        const width = this.shapeOf(s.name)[1] ?? 1;
        const rowsSeen = touched.get(s.name) ?? [];
        touched.set(s.name, rowsSeen);
        for (const part of s.parts) {
          const rows = out[part.rows].data as Float32Array;
          const ids = out[part.ids].data as BigInt64Array;
          for (let t = 0; t < ids.length; t++) {
            const row = Number(ids[t]);
            rowsSeen.push(row);
            const dst = row * width,
              src = t * width;
            for (let j = 0; j < width; j++) acc[dst + j] += rows[src + j];
          }
        }
      }
      this.clock.advance(0, 1);
    }
    // global norm of the averaged gradient (torch clip_grad_norm_), then one AdamW pass with scale coef / K
    let sq = 0;
    if (denseSq !== null) sq += denseSq;
    else for (const d of dense.values()) sq += sumSquares(d);
    for (const [name, rows] of touched) {
      const acc = this.slots.get(name)!.grad!;
      const width = this.shapeOf(name)[1] ?? 1;
      for (const r of new Set(rows)) sq += sumSquares(acc, r * width, (r + 1) * width);
    }
    const gradNorm = Math.sqrt(sq) / K;
    const scale = clipCoef(gradNorm, this.config.maxGradNorm) / K;
    const c = this.config;
    const lr = this.clock.lr();
    this.clock.advance(1, 0);
    for (const s of trainSlots) {
      const g = dense.get(s.name) ?? s.grad!;
      adamwUpdate(
        s.data,
        g,
        s.m!,
        s.v!,
        { lr: lr * s.lrScale, beta1: c.betas[0], beta2: c.betas[1], eps: c.eps, weightDecay: s.decay ? c.weightDecay : 0 },
        this.clock.step,
        scale,
      );
    }
    for (const [name, rows] of touched) {
      const acc = this.slots.get(name)!.grad!;
      const width = this.shapeOf(name)[1] ?? 1;
      for (const r of new Set(rows)) acc.fill(0, r * width, (r + 1) * width);
    }
    const timings = { runMs, optimizerMs: performance.now() - t0 - runMs };
    return { loss: lossSum / K, lr, gradNorm, step: this.clock.step, timings };
  }

  /** Logits [batch * numLabels] without dropout. */
  async evaluate(batch: Batch): Promise<Float32Array> {
    checkBatch(batch, false);
    if (!this.evalProgram)
      this.evalProgram = await Program.compile(buildEvalGraph(this.model), { threads: this.config.threads, providers: this.config.providers });
    const out = await this.evalProgram.run(this.inputFeeds(batch, 0, batch.batch, []), ['logits']);
    return out.logits.data as Float32Array;
  }

  async saliency(batch: Batch): Promise<SaliencyResult> {
    checkBatch(batch, false);
    if (!this.saliencyProgram)
      this.saliencyProgram = await Program.compile(buildSaliencyGraph(this.model), { threads: this.config.threads, providers: this.config.providers });
    const out = await this.saliencyProgram.run(this.inputFeeds(batch, 0, batch.batch, []));
    return { logits: out.logits.data as Float32Array, gradNorm: out.gradNorm.data as Float32Array, gradXInput: out.gradXInput.data as Float32Array };
  }

  /** The current parameters (the trainer's own arrays: copy them before training further if you keep them). */
  weights(): Map<string, Float32Array> {
    return new Map([...this.slots.values()].map((s) => [s.name, s.data]));
  }

  /** Parameters, Adam moments, step and RNG counter, as one safetensors file in `dir` (./checkpoint.ts). */
  async saveCheckpoint(dir: string): Promise<string> {
    const slots = [...this.slots.values()];
    const moments = (k: 'm' | 'v') => new Map(slots.filter((s) => s.trainable).map((s) => [s.name, s[k]!]));
    return writeTrainerCheckpoint(dir, this.model, {
      params: new Map(slots.map((s) => [s.name, s.data])),
      m: moments('m'),
      v: moments('v'),
      ...this.clock.counters,
      seed: this.config.seed,
      trainable: this.tg.trainable,
    });
  }

  /** Continues from a checkpoint of either trainer (host or device): parameters, moments and counters. */
  async loadCheckpoint(dir: string): Promise<TrainerCounters> {
    const ck = readTrainerCheckpoint(dir, this.model);
    for (const s of this.slots.values()) {
      s.data.set(ck.params.get(s.name)!);
      if (s.trainable) {
        // a checkpoint from a run with another trainLayers setting has no moments for newly trained params
        s.m!.set(ck.m.get(s.name) ?? new Float32Array(s.data.length));
        s.v!.set(ck.v.get(s.name) ?? new Float32Array(s.data.length));
      }
    }
    this.clock.set(ck);
    return this.clock.counters;
  }

  async dispose(): Promise<void> {
    await Promise.all([this.train.dispose(), this.evalProgram?.dispose(), this.saliencyProgram?.dispose()]);
  }
}

export function createTrainer(model: SequenceClassifier, weights: ReadonlyMap<string, Float32Array>, config: TrainConfig): Promise<Trainer> {
  return Trainer.create(model, weights, config);
}

export function checkBatch(b: Batch, needLabels: boolean): void {
  const n = b.batch * b.seq;
  if (!Number.isInteger(b.batch) || b.batch < 1 || !Number.isInteger(b.seq) || b.seq < 1)
    throw new Error(`batch: batch and seq must be positive integers, got ${b.batch} x ${b.seq}`);
  if (b.inputIds.length !== n || b.attentionMask.length !== n || (b.tokenTypeIds && b.tokenTypeIds.length !== n)) {
    throw new Error(`batch: inputIds/attentionMask/tokenTypeIds must each have batch*seq = ${n} values`);
  }
  if (needLabels && (!b.labels || (!b.extra && b.labels.length !== b.batch))) throw new Error(`batch: training needs labels with ${b.batch} values`);
}
