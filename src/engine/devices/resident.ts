// Training with the optimizer state resident on the device. The whole step (forward, backward, clipping, AdamW)
// is one graph (./stepGraph.ts) whose state outputs are fed back as the next run's inputs:
// - WebGPU: state outputs stay in GPU buffers (preferredOutputLocation 'gpu-buffer'); only the batch goes up and
//   the loss comes down.
// - CUDA / CPU: onnxruntime-node has no IO binding there, so state makes a round trip every run; microSteps > 1
//   wraps K steps into one Loop run (./loop.ts) so that the round trip happens once per K steps.
// Frozen parameters are baked into the model as initializers (uploaded once).
import * as ort from 'onnxruntime-node';
import type { SequenceClassifier } from '../ir/model';
import { serialize, toModelProto } from '../onnx/writer';
import { Graph } from '../ir/graph';
import { onnx } from 'onnx-proto';
import { maskOffsets, maskSplitSizes, rngEnd, stepSeeds, RNG_COUNT, RNG_SEED0, RNG_SEED1 } from '../train/rng';
import { addSaliencyOutputs, lrScaleOf, trainableFilter } from '../train/program';
import type { Batch, SaliencyResult, TrainConfig } from '../train/trainer';
import { StepClock, validateTrainConfig } from '../train/bookkeeping';
import { readTrainerCheckpoint, writeTrainerCheckpoint, type TrainerCheckpoint, type TrainerCounters } from '../train/checkpoint';
import { byteSize, sessionOptions, tensorOf } from '../runtime/session';
import { buildOptimizerStep, flatName, OPT_INPUTS, optimizerScalars, viewFlatParams, type FlatGroup, type OptimizerStepGraph } from './stepGraph';
import { bakeInitializers, floatInputs, wrapInLoop } from './loop';
import { MASK_WHERE_LIMIT } from '../ir/dropout';

// model inputs the step graph only casts to float: fed as float32 (loop.ts floatInputs)
const FLOAT_INPUTS = ['attention_mask'];

/**
 * Session options of the device trainer's sessions. onnxruntime's GemmTransposeFusion would fold the Transpose of
 * W back into Gemm(transB=1), the slow WebGPU kernel that Graph.deviceOps avoids: it is turned off.
 */
function deviceSessionOptions(threads: number | undefined, providers: string[] | undefined): ort.InferenceSession.SessionOptions {
  const base = sessionOptions({ threads, providers });
  const extra = base.extra as Record<string, unknown>;
  return { ...base, logSeverityLevel: 3, extra: { ...extra, optimization: { disable_specified_optimizers: 'GemmTransposeFusion' } } };
}

/** One flat buffer of a group, filled from per-parameter arrays (padding zero). */
function packFlat(group: FlatGroup, values: (param: string) => Float32Array): Float32Array {
  const out = new Float32Array(group.size);
  for (const e of group.entries) out.set(values(e.param), e.offset);
  return out;
}

export interface ResidentOptions {
  /** execution providers, e.g. ['webgpu', 'cpu'] from selectDevice(); default ['cpu'] */
  providers?: string[];
  /** optimizer steps per session run (ONNX Loop); 1 = one step per run */
  microSteps?: number;
  /** keep state outputs in GPU buffers (WebGPU only; onnxruntime-node supports it for no other provider) */
  gpuBuffers?: boolean;
  /** profile the step session (onnxruntime enableProfiling) into files starting with this path; see endProfiling */
  profilePrefix?: string;
  /** the largest batch and seq (any symbolic dims) the steps will have: OptimizerStepOptions.maxMaskDims */
  maxMaskDims?: Readonly<Record<string, number>>;
}

export interface ResidentStep {
  loss: number;
  gradNorm: number;
  lr: number;
  step: number;
}

export class ResidentTrainer {
  /** optimizer updates and micro-batches run (the dropout RNG counter): bookkeeping shared with the host trainer */
  private readonly clock: StepClock;
  /** wall time of the last steps() call inside session.run (the rest is host work: feeds, reading the loss) */
  lastRunMs = 0;
  /** bytes of host tensors fed to the last steps() run (what went up to the device besides the run's own copies) */
  lastUploadBytes = 0;
  private readonly inputNames: Set<string>;
  private readback?: ort.InferenceSession;
  private evalSession?: ort.InferenceSession;
  private saliencySession?: ort.InferenceSession;

  private constructor(
    readonly model: SequenceClassifier,
    readonly config: TrainConfig,
    private readonly sg: OptimizerStepGraph,
    private readonly session: ort.InferenceSession,
    private state: Record<string, ort.Tensor>,
    private readonly frozen: Map<string, Float32Array>,
    readonly microSteps: number,
    private readonly providers: string[],
  ) {
    this.inputNames = new Set(session.inputNames);
    this.clock = new StepClock(config);
  }

  static async create(
    model: SequenceClassifier,
    weights: ReadonlyMap<string, Float32Array>,
    config: TrainConfig,
    opts: ResidentOptions = {},
  ): Promise<ResidentTrainer> {
    validateTrainConfig(config, 'device');
    const K = opts.microSteps ?? 1;
    if (!Number.isInteger(K) || K < 1) throw new Error(`microSteps must be an integer >= 1, got ${K}`);
    const isTrainable = trainableFilter(model, config.trainLayers);
    const lrScale = lrScaleOf(model, config.layerLrDecay);
    const info = new Map(model.params.map((p) => [p.name, p]));
    const sg = buildOptimizerStep(model, {
      trainable: (n) => isTrainable(info.get(n)!),
      dropout: config.dropout,
      seed: config.seed,
      classWeights: config.classWeights,
      betas: config.betas,
      eps: config.eps,
      weightDecay: config.weightDecay,
      maxGradNorm: config.maxGradNorm,
      lrScale: (n) => lrScale(info.get(n)!),
      maxMaskDims: opts.maxMaskDims,
    });
    const w = (name: string) => {
      const v = weights.get(name);
      const p = info.get(name)!;
      if (!v) throw new Error(`device trainer: no weights for parameter '${name}' [${p.shape}]`);
      if (v.length !== p.shape.reduce((a, b) => a * b, 1)) throw new Error(`device trainer: weights for '${name}' have ${v.length} values, shape [${p.shape}]`);
      return v;
    };
    let proto: onnx.IModelProto = toModelProto(sg.graph);
    const used = new Set(proto.graph!.input!.map((i) => i.name!));
    const trainable = new Set(sg.groups.flatMap((gr) => gr.entries.map((e) => e.param)));
    // frozen parameters (and any the loss does not use) keep their values: copies, so callers may reuse theirs
    const frozen = new Map(model.params.filter((p) => !trainable.has(p.name)).map((p) => [p.name, Float32Array.from(w(p.name))]));
    proto = bakeInitializers(proto, new Map([...frozen, ...sg.constants].filter(([n]) => used.has(n))));
    proto = floatInputs(proto, FLOAT_INPUTS);
    if (K > 1)
      proto = wrapInLoop(proto, { carried: sg.state.map((s) => ({ input: s.input, output: s.output })), perStep: sg.perStep, perStepOutputs: sg.metrics });
    const bytes = onnx.ModelProto.encode(proto as onnx.ModelProto).finish();
    const so: ort.InferenceSession.SessionOptions = deviceSessionOptions(config.threads, opts.providers);
    if (opts.profilePrefix) Object.assign(so, { enableProfiling: true, profileFilePrefix: opts.profilePrefix });
    if (opts.gpuBuffers) so.preferredOutputLocation = Object.fromEntries(sg.state.map((s) => [s.output, 'gpu-buffer' as const]));
    const session = await ort.InferenceSession.create(bytes, so);
    const state: Record<string, ort.Tensor> = {};
    for (const s of sg.state) {
      const group = sg.groups.find((gr) => gr.name === s.group);
      const data = s.kind === 'param' ? packFlat(group!, (n) => w(n)) : new Float32Array(s.shape.reduce((a, b) => a * b, 1));
      state[s.input] = new ort.Tensor('float32', data, s.shape);
    }
    return new ResidentTrainer(model, config, sg, session, state, frozen, K, opts.providers ?? ['cpu']);
  }

  /** optimizer steps done and micro-batches run (the dropout RNG counter) */
  get progress(): TrainerCounters {
    return this.clock.counters;
  }

  /** Runs microSteps optimizer steps, one per batch (all batches of one call must have the same batch x seq). */
  async steps(batches: Batch[]): Promise<ResidentStep[]> {
    const K = this.microSteps;
    if (batches.length !== K) throw new Error(`steps: expected ${K} batches (microSteps), got ${batches.length}`);
    const { batch: B, seq: S } = batches[0];
    for (const b of batches) {
      if (b.batch !== B || b.seq !== S)
        throw new Error(`steps: all ${K} batches of one run must be ${B} x ${S} (pad them to one length); got ${b.batch} x ${b.seq}`);
      // with extra inputs (doc_pool of models/docPool.ts) the labels are one per document
      if (!b.labels || (!b.extra && b.labels.length !== b.batch)) throw new Error(`steps: training needs labels with ${b.batch} values`);
      if (b.extra && K > 1) throw new Error('steps: batches with extra inputs (doc_pool) run one step per session run (microSteps 1)');
      if (b.inputIds.length !== B * S || b.attentionMask.length !== B * S)
        throw new Error(`steps: inputIds/attentionMask must have batch*seq = ${B * S} values`);
    }
    const c = this.config;
    const lrs = batches.map((_, k) => this.clock.lr(k));
    const stack = K > 1;
    const lead = stack ? [K] : [];
    const feeds: Record<string, ort.Tensor> = { ...this.state };
    const ints = (pick: (b: Batch) => BigInt64Array | undefined, n: number) => {
      const out = new BigInt64Array(K * n);
      batches.forEach((b, k) => {
        const a = pick(b);
        if (a) out.set(a, k * n);
      });
      return out;
    };
    const put = (name: string, type: 'int64' | 'float32' | 'uint32', data: BigInt64Array | Float32Array | Uint32Array, dims: number[]) => {
      if (this.inputNames.has(name)) feeds[name] = new ort.Tensor(type, data, [...lead, ...dims]);
    };
    const floats = (pick: (b: Batch) => BigInt64Array | undefined, n: number) => {
      const out = new Float32Array(K * n);
      batches.forEach((b, k) => {
        const a = pick(b);
        if (a) for (let i = 0; i < n; i++) out[k * n + i] = Number(a[i]);
      });
      return out;
    };
    put(
      'input_ids',
      'int64',
      ints((b) => b.inputIds, B * S),
      [B, S],
    );
    put(
      'attention_mask',
      'float32',
      floats((b) => b.attentionMask, B * S),
      [B, S],
    );
    put(
      'token_type_ids',
      'int64',
      ints((b) => b.tokenTypeIds, B * S),
      [B, S],
    );
    const L = batches[0].labels!.length;
    put(
      'labels',
      'float32',
      floats((b) => b.labels, L),
      [L],
    );
    for (const [name, v] of Object.entries(batches[0].extra ?? {})) if (this.inputNames.has(name)) feeds[name] = tensorOf(v);
    // AdamW's per-step scalars for updates step+1 .. step+K
    const scalars = lrs.map((lr, k) => optimizerScalars(lr, this.clock.step + k + 1, c));
    for (const name of Object.values(OPT_INPUTS))
      put(
        name,
        'float32',
        Float32Array.from(scalars, (x) => x[name]),
        [],
      );
    const sites = this.sg.graph.dropoutSites;
    if (sites.length > 0) {
      // the graph makes the masks: per step only the keys of the (seed, micro-step counter) stream go up, the same
      // stream as the host trainer's, so runs are reproducible across devices; the sites' element ranges depend
      // only on batch x seq (the same for every step of a Loop run: outer inputs, not stacked)
      const seeds = batches.map((_, k) => stepSeeds(c.seed, this.clock.microStep + k));
      put(
        RNG_SEED0,
        'uint32',
        Uint32Array.from(seeds, (s) => s[0]),
        [],
      );
      put(
        RNG_SEED1,
        'uint32',
        Uint32Array.from(seeds, (s) => s[1]),
        [],
      );
      const offsets = maskOffsets(sites, { batch: B, seq: S });
      const count = offsets[sites.length];
      // past 2^25 elements onnxruntime's WebGPU Where is wrong unless the graph makes the masks in chunks
      if (this.providers[0] === 'webgpu' && count > MASK_WHERE_LIMIT && count > (this.sg.graph.maxMaskElements ?? 0)) {
        throw new Error(
          `device trainer: ${B} x ${S} has ${count} dropout elements per micro-batch, more than the ${MASK_WHERE_LIMIT} WebGPU's Where gets right in one piece: create the trainer with maxMaskDims (e.g. { batch: ${B}, seq: ${S} }) or use a smaller batch or sequence length`,
        );
      }
      feeds[RNG_COUNT] = new ort.Tensor('int32', Int32Array.of(count), []);
      const splits = this.sg.graph.maskSplits;
      if (splits.length) for (const sp of splits) feeds[sp.input.name] = new ort.Tensor('int64', maskSplitSizes(sp, offsets), [sp.ranges.length]);
      else
        sites.forEach((_, k) => {
          feeds[rngEnd(k)] = new ort.Tensor('int64', BigInt64Array.of(BigInt(offsets[k + 1])), [1]);
        });
    }
    this.lastUploadBytes = Object.values(feeds).reduce((a, t) => a + (t.location === 'cpu' ? byteSize(t) : 0), 0);
    const r0 = performance.now();
    const out = await this.session.run(feeds);
    this.lastRunMs = performance.now() - r0;
    const old = this.state;
    this.state = {};
    for (const s of this.sg.state) this.state[s.input] = out[s.output];
    // GPU buffers of the previous state are no longer referenced: free them now rather than at GC time
    for (const t of Object.values(old)) if (t.location === 'gpu-buffer') t.dispose();
    const loss = out.loss.data as Float32Array,
      gn = out.gradNorm.data as Float32Array;
    const res = batches.map((_, k) => ({ loss: loss[k], gradNorm: gn[k], lr: lrs[k], step: this.clock.step + k + 1 }));
    this.clock.advance(K, K);
    return res;
  }

  /** Logits [batch * numLabels] without dropout, computed on the device from the resident parameters. */
  async evaluate(b: Batch): Promise<Float32Array> {
    if (!this.evalSession) {
      const g = new Graph({ training: false, deviceOps: true });
      viewFlatParams(g, this.sg.groups, this.sg.joints);
      g.output('logits', this.model.buildLogits(g).logits);
      this.evalSession = await this.compileOnState(g);
    }
    const out = await this.evalSession.run(this.batchFeeds(this.evalSession, b));
    return out.logits.data as Float32Array;
  }

  /** Saliency (../train/program.ts addSaliencyOutputs) computed on the device from the resident parameters. */
  async saliency(b: Batch): Promise<SaliencyResult> {
    if (!this.saliencySession) {
      const g = new Graph({ training: false, deviceOps: true });
      viewFlatParams(g, this.sg.groups, this.sg.joints);
      addSaliencyOutputs(g, this.model);
      this.saliencySession = await this.compileOnState(g);
    }
    const out = await this.saliencySession.run(this.batchFeeds(this.saliencySession, b));
    return { logits: out.logits.data as Float32Array, gradNorm: out.gradNorm.data as Float32Array, gradXInput: out.gradXInput.data as Float32Array };
  }

  /**
   * A session of graph `g` (built over the flat parameter buffers with viewFlatParams) that reads the resident
   * state: frozen parameters baked in, float attention mask, same providers.
   */
  private async compileOnState(g: Graph): Promise<ort.InferenceSession> {
    let proto: onnx.IModelProto = toModelProto(g);
    const used = new Set(proto.graph!.input!.map((i) => i.name!));
    proto = bakeInitializers(proto, new Map([...this.frozen].filter(([n]) => used.has(n))));
    proto = floatInputs(proto, FLOAT_INPUTS);
    return ort.InferenceSession.create(onnx.ModelProto.encode(proto as onnx.ModelProto).finish(), deviceSessionOptions(this.config.threads, this.providers));
  }

  /** Feeds for a session made by compileOnState: the resident state and the batch's inputs. */
  private batchFeeds(session: ort.InferenceSession, b: Batch): Record<string, ort.Tensor> {
    const dims = [b.batch, b.seq];
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of session.inputNames) {
      if (this.state[name]) feeds[name] = this.state[name];
      else if (name === 'input_ids') feeds[name] = new ort.Tensor('int64', b.inputIds, dims);
      else if (name === 'attention_mask') feeds[name] = new ort.Tensor('float32', Float32Array.from(b.attentionMask, Number), dims);
      else if (name === 'token_type_ids') feeds[name] = new ort.Tensor('int64', b.tokenTypeIds ?? new BigInt64Array(b.batch * b.seq), dims);
      else if (b.extra?.[name]) feeds[name] = tensorOf(b.extra[name]);
      else throw new Error(`device trainer: no value for the graph input '${name}'`);
    }
    return feeds;
  }

  /** Parameters, Adam moments, step and RNG counter in the trainer checkpoint format (../train/checkpoint.ts). */
  async saveCheckpoint(dir: string): Promise<string> {
    const state = await this.download();
    return writeTrainerCheckpoint(dir, this.model, {
      params: this.unpack(state, 'param', this.frozen),
      m: this.unpack(state, 'adam_m'),
      v: this.unpack(state, 'adam_v'),
      ...this.clock.counters,
      seed: this.config.seed,
      trainable: this.trainableNames(),
    });
  }

  /** The trainable parameters, in the order of the flat buffers. */
  private trainableNames(): string[] {
    return this.sg.groups.flatMap((gr) => gr.entries.map((e) => e.param));
  }

  /** Per-parameter copies of one kind of flat state (params, or one Adam moment), plus `extra` (frozen params). */
  private unpack(state: Map<string, Float32Array>, kind: 'param' | 'adam_m' | 'adam_v', extra?: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>(extra);
    for (const gr of this.sg.groups) {
      const flat = state.get(flatName(kind, gr.name))!;
      for (const e of gr.entries) out.set(e.param, flat.slice(e.offset, e.offset + e.size));
    }
    return out;
  }

  /** A trainer that continues from a checkpoint written by this class or by the host trainer. */
  static async fromCheckpoint(model: SequenceClassifier, dir: string, config: TrainConfig, opts: ResidentOptions = {}): Promise<ResidentTrainer> {
    const ck = readTrainerCheckpoint(dir, model);
    const t = await ResidentTrainer.create(model, ck.params, config, opts);
    t.load(ck);
    return t;
  }

  /**
   * Continues in place from a checkpoint (trainable parameters, moments, counters). The frozen parameters are baked
   * into the sessions: when the checkpoint's differ, nothing changes and false is returned (make a new trainer
   * with fromCheckpoint instead).
   */
  load(ck: TrainerCheckpoint): boolean {
    for (const [name, w] of this.frozen) {
      const c = ck.params.get(name)!;
      for (let i = 0; i < w.length; i++) if (w[i] !== c[i]) return false;
    }
    const old = this.state;
    this.state = {};
    for (const s of this.sg.state) {
      const group = this.sg.groups.find((gr) => gr.name === s.group);
      // a checkpoint from a run with another trainLayers setting has no moments for newly trained params (zeros)
      const zeros = (n: string) => new Float32Array(ck.params.get(n)!.length);
      const data = packFlat(group!, (n) => (s.kind === 'param' ? ck.params.get(n)! : ((s.kind === 'adam_m' ? ck.m : ck.v).get(n) ?? zeros(n))));
      this.state[s.input] = new ort.Tensor('float32', data, s.shape);
    }
    for (const t of Object.values(old)) if (t.location === 'gpu-buffer') t.dispose();
    this.clock.set(ck);
    return true;
  }

  /** Where the state tensors live now ('cpu' or 'gpu-buffer'), one entry per distinct location. */
  get stateLocations(): string[] {
    return [...new Set(Object.values(this.state).map((t) => t.location))];
  }

  /** Current parameters (downloaded from the device when resident there), frozen ones included. */
  async weights(): Promise<Map<string, Float32Array>> {
    const out = this.unpack(await this.download(), 'param', this.frozen);
    return new Map(this.model.params.map((p) => [p.name, out.get(p.name)!]));
  }

  /** Adam moments of one trainable parameter. */
  async moments(param: string): Promise<{ m: Float32Array; v: Float32Array }> {
    if (!this.trainableNames().includes(param)) throw new Error(`moments: '${param}' is not a trainable parameter`);
    const state = await this.download();
    return { m: this.unpack(state, 'adam_m').get(param)!, v: this.unpack(state, 'adam_v').get(param)! };
  }

  /**
   * Copies of all state tensors on the host. Tensor.getData() on a 'gpu-buffer' output aborts the process in
   * onnxruntime-node 1.30 (native "terminate called after throwing 'char const*'"), so GPU state is read back
   * through a second session of Identity nodes whose outputs land on the CPU.
   */
  private async download(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    const onGpu = this.sg.state.filter((s) => this.state[s.input].location === 'gpu-buffer');
    for (const s of this.sg.state) if (!onGpu.includes(s)) out.set(s.input, Float32Array.from(this.state[s.input].data as Float32Array));
    if (onGpu.length === 0) return out;
    if (!this.readback) {
      const g = new Graph();
      for (const s of onGpu) g.output(`read/${s.input}`, g.input(s.input, 'float32', s.shape));
      this.readback = await ort.InferenceSession.create(serialize(g).bytes, sessionOptions({ providers: this.providers }));
    }
    const res = await this.readback.run(Object.fromEntries(onGpu.map((s) => [s.input, this.state[s.input]])));
    for (const s of onGpu) out.set(s.input, Float32Array.from(res[`read/${s.input}`].data as Float32Array));
    return out;
  }

  /** Ends profiling of the step session (profilePrefix); onnxruntime writes the trace file. */
  endProfiling(): void {
    this.session.endProfiling();
  }

  async dispose(): Promise<void> {
    for (const t of Object.values(this.state)) if (t.location === 'gpu-buffer') t.dispose();
    await this.session.release();
    await this.readback?.release();
    await this.evalSession?.release();
    await this.saliencySession?.release();
  }
}
