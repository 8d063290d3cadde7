// A whole optimizer step as one graph: forward, loss, backward, global-norm clipping and AdamW. The trainable
// parameters, their Adam moments and the step counter are inputs whose updated values are outputs ("state"), so a
// device can keep them resident: each run's state outputs are the next run's inputs and never travel to the host.
// This is what makes GPU training worthwhile with onnxruntime-node, where every host tensor is uploaded on every run.
//
// Few large buffers instead of one tensor per parameter: the trainable parameters live in one flat float32 buffer,
// those with weight decay first and those without (biases, LayerNorm) after them, padded to a multiple of
// FLAT_ALIGN, with their Adam moments in buffers of the same layout. The model reads each parameter as a Reshape of
// a part of a Split of its buffer; the gradients are concatenated into the same layout, and the norm, clipping and AdamW run
// as a handful of elementwise kernels over whole buffers (one set per buffer) rather than ~16 kernels per tensor.
// The graph is built with Graph.deviceOps (no transB Gemm, LogSoftmax from primitives, float labels), so that a
// GPU provider runs every float op itself.
//
// AdamW follows torch.optim.AdamW (as ../optim/adamw.ts does on the host): p *= 1 - lr*wd (decaying params only),
// m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2, p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps). The per-step
// scalars 1 - lr*wd, lr/(1-b1^t) and 1/sqrt(1-b2^t) are fed (OPT_INPUTS, computed on the host in float64 as
// ../optim/adamw.ts does): they cost a kernel each on a GPU.
import { Graph } from '../ir/graph';
import { resolveShape } from '../ir/shape';
import type { SequenceClassifier } from '../ir/model';
import type { Tensor } from '../ir/types';
import { grad } from '../autodiff/grad';
import { RNG_SEED0, RNG_SEED1 } from '../train/rng';
import { flatName, kindOf, viewFlatParams } from './flatViews';

export type { FlatSlot } from './flatViews';
export { flatName, viewFlatParams } from './flatViews';

export interface OptimizerStepOptions {
  trainable: (name: string) => boolean;
  dropout: boolean;
  seed: number;
  classWeights?: number[];
  betas: [number, number];
  eps: number;
  weightDecay: number;
  /** global-norm clipping threshold; 0 = off */
  maxGradNorm: number;
  /**
   * Each trainable parameter's factor of the learning rate (layer-wise decay, ../train/program.ts lrScaleOf); absent
   * or 1 everywhere: the graph has no scale vector.
   */
  lrScale?: (name: string) => number;
  /**
   * The largest values the model's symbolic dims take (e.g. { batch: 32, seq: 256 }): they bound the dropout
   * stream (Graph option maxMaskElements; above 2^25 elements its masks are made in chunks). Default: no bound.
   */
  maxMaskDims?: Readonly<Record<string, number>>;
}

/** Flat buffers are padded to a multiple of this (the norm is summed in rows of this length, then over rows). */
export const FLAT_ALIGN = 1024;

/** One parameter's place in a flat buffer; `decay`: weight decay applies to it. */
export interface FlatEntry {
  param: string;
  offset: number;
  size: number;
  shape: number[];
  decay: boolean;
}

/**
 * The flat buffer of trainable parameters: the entries with weight decay first (they end at `decaySize`), then
 * those without, then zero padding up to `size`.
 */
export interface FlatGroup {
  name: 'params';
  size: number;
  decaySize: number;
  entries: FlatEntry[];
}

/** One tensor carried from step to step: fed as `input`, its updated value comes back as `output`. */
export interface StateSlot {
  input: string;
  output: string;
  shape: number[];
  kind: 'param' | 'adam_m' | 'adam_v';
  /** the flat group it belongs to */
  group: FlatGroup['name'];
}

export interface OptimizerStepGraph {
  graph: Graph;
  state: StateSlot[];
  /** where each trainable parameter lives in the flat state buffers */
  groups: FlatGroup[];
  /** parameters read as one stacked tensor (Graph.joint), for graphs built over the same buffers (viewFlatParams) */
  joints: string[][];
  /** parameters that do not train: fixed inputs, the same every step (callers may bake them in as initializers) */
  frozen: string[];
  /** inputs that change every step: the model inputs, labels (float32), the dropout keys and OPT_INPUTS */
  perStep: string[];
  /** per-step scalar outputs */
  metrics: string[];
  /** inputs with fixed values, built once (the layer-wise learning-rate scale of the flat buffer): bake them in */
  constants: Map<string, Float32Array>;
}

/** The per-step optimizer scalars, fed (optimizerScalars computes them). */
export const OPT_INPUTS = { decay: 'opt/decay', stepSize: 'opt/step_size', invBc2sqrt: 'opt/inv_bc2_sqrt' } as const;

/** AdamW's per-step scalars for update `step` (1-based) at learning rate `lr`, as ../optim/adamw.ts computes them. */
export function optimizerScalars(
  lr: number,
  step: number,
  o: { betas: [number, number]; weightDecay: number },
): Record<(typeof OPT_INPUTS)[keyof typeof OPT_INPUTS], number> {
  const [b1, b2] = o.betas;
  return {
    [OPT_INPUTS.decay]: 1 - lr * o.weightDecay,
    [OPT_INPUTS.stepSize]: lr / (1 - b1 ** step),
    [OPT_INPUTS.invBc2sqrt]: 1 / Math.sqrt(1 - b2 ** step),
  } as Record<(typeof OPT_INPUTS)[keyof typeof OPT_INPUTS], number>;
}
export const next = (input: string): string => `next/${input}`;

/** The flat buffer's per-element learning-rate factors (layer-wise decay), a constant input of the step graph. */
export const LR_SCALE_INPUT = 'opt/lr_scale';

/** The per-element learning-rate factors of a flat group (padding 1); undefined when all are 1. */
export function lrScaleVector(gr: FlatGroup, scale: ((name: string) => number) | undefined): Float32Array | undefined {
  if (!scale || gr.entries.every((e) => scale(e.param) === 1)) return undefined;
  const out = new Float32Array(gr.size).fill(1);
  for (const e of gr.entries) out.fill(scale(e.param), e.offset, e.offset + e.size);
  return out;
}

/**
 * The flat layout of the trainable parameters of `model`: one buffer, those with weight decay first, then those
 * without (one buffer: AdamW is one set of ~18 elementwise kernels, not one per buffer). The decaying ones are
 * ordered by kind (the same weight of every layer in a row, a joint as one: see viewFlatParams' stacks), the others
 * in model order.
 */
export function flatGroups(model: SequenceClassifier, trainable: (name: string) => boolean, joints: readonly string[][] = []): FlatGroup[] {
  let off = 0;
  let decaySize = 0;
  const entries: FlatEntry[] = [];
  for (const decay of [true, false]) {
    const params = model.params.filter((p) => trainable(p.name) && p.decay === decay);
    const units: (typeof params)[] = [];
    for (let i = 0; i < params.length;) {
      const j = joints.find((names) => names.length > 1 && names.every((n, k) => params[i + k]?.name === n));
      const n = j ? j.length : 1;
      units.push(params.slice(i, i + n));
      i += n;
    }
    const kinds = [...new Set(units.map((u) => kindOf(u.map((p) => p.name))))];
    const ordered = decay ? kinds.flatMap((k) => units.filter((u) => kindOf(u.map((p) => p.name)) === k)) : units;
    for (const p of ordered.flat()) {
      const size = p.shape.reduce((a, b) => a * b, 1);
      entries.push({ param: p.name, offset: off, size, shape: [...p.shape], decay });
      off += size;
    }
    if (decay) decaySize = off;
  }
  return entries.length ? [{ name: 'params', size: Math.ceil(off / FLAT_ALIGN) * FLAT_ALIGN, decaySize, entries }] : [];
}

/**
 * Concat of many 1-D tensors as a tree of Concats of at most CONCAT_FANIN inputs: onnxruntime's WebGPU Concat
 * binds every input as a storage buffer, and a device allows 8-16 per shader (lavapipe: 16, and onnxruntime 1.30
 * splits wider Concats into batches that still overflow it by one).
 */
const CONCAT_FANIN = 8;
function concatTree(g: Graph, parts: Tensor[]): Tensor {
  let level = parts;
  while (level.length > 1) {
    const up: Tensor[] = [];
    for (let i = 0; i < level.length; i += CONCAT_FANIN) {
      const chunk = level.slice(i, i + CONCAT_FANIN);
      up.push(chunk.length === 1 ? chunk[0] : g.concat(chunk, 0));
    }
    level = up;
  }
  return level[0];
}

/** Row sums gathered into one MatMul: at most this many [rows, n] tensors per Concat (see CONCAT_FANIN). */
const ROWSUM_FANIN = 8;

/**
 * Flattens gradients into parts of a flat buffer. Bias-like gradients (a ReduceSum over axis 0 of a [rows, n]
 * tensor: linear biases, LayerNorm scales and biases, autodiff/rules.ts rowSum) of consecutive parameters with the
 * same rows are summed together: ones[1, rows] @ Concat(their [rows, n] tensors, axis 1), one Concat and one
 * MatMul per ROWSUM_FANIN parameters, where each ReduceSum over a leading axis is two WebGPU kernels (a Transpose
 * and the reduction). The ReduceSums are then unused and left out of the model.
 */
function rowSummer(g: Graph): (grads: { grad: Tensor; size: number }[]) => Tensor[] {
  const ones = new Map<string, Tensor>();
  const onesRow = (x: Tensor): Tensor => {
    const rows = x.shape[0];
    const key = String(rows);
    let t = ones.get(key);
    if (!t) {
      if (typeof rows === 'number') t = g.full(1, x.dtype, [1, rows]);
      else {
        // [1, rows] from the tensor's own shape (int64 shape work)
        const r = g.node('Shape', [x], [['int64', [1]]], { start: { i: 0 }, end: { i: 1 } })[0];
        const shape = g.node('Concat', [g.ints([1]), r], [['int64', [2]]], { axis: { i: 0 } })[0];
        t = g.node('Expand', [g.scalar(1, x.dtype), shape], [[x.dtype, [1, rows]]])[0];
      }
      ones.set(key, t);
    }
    return t;
  };
  const source = (t: Tensor): Tensor | undefined => {
    const n = g.producer.get(t.id);
    if (n?.op !== 'ReduceSum' || n.meta.keepdims || n.meta.axes.length !== 1 || n.meta.axes[0] !== 0) return undefined;
    const x = n.inputs[0]!;
    return x.shape.length === 2 && x.dtype === t.dtype ? x : undefined;
  };
  return (grads) => {
    const parts: Tensor[] = [];
    let run: { src: Tensor; size: number }[] = [];
    const flush = () => {
      for (let i = 0; i < run.length; i += ROWSUM_FANIN) {
        const chunk = run.slice(i, i + ROWSUM_FANIN);
        const cat =
          chunk.length === 1
            ? chunk[0].src
            : g.concat(
                chunk.map((c) => c.src),
                1,
              );
        parts.push(g.reshape(g.matmul(onesRow(cat), cat), [chunk.reduce((a, c) => a + c.size, 0)]));
      }
      run = [];
    };
    for (const { grad: d, size } of grads) {
      const src = source(d);
      if (src && run.length > 0 && String(run[0].src.shape[0]) !== String(src.shape[0])) flush();
      if (src) run.push({ src, size });
      else {
        flush();
        parts.push(g.reshape(d, [size]));
      }
    }
    flush();
    return parts;
  };
}

export function buildOptimizerStep(model: SequenceClassifier, o: OptimizerStepOptions): OptimizerStepGraph {
  // which parameters train is the model's answer (some are never trained, e.g. DistilBERT's sinusoidal table)
  // a first build: which parameters train, the fused projections, the dropout sites
  const probe = new Graph({ deviceOps: true, training: o.dropout, seed: o.seed, masks: 'in-graph' });
  model.buildLogits(probe, { trainable: o.trainable });
  const trains = new Set(probe.params.filter((p) => p.trainable).map((p) => p.tensor.name));
  // parameters the model reads stacked (fused projections), where all of them train
  const joints = probe.jointRequests.filter((names) => names.every((n) => trains.has(n)));
  const groups = flatGroups(model, (n) => trains.has(n), joints);
  if (groups.length === 0) throw new Error('training: no trainable parameters (check the trainLayers setting)');
  // dropout masks are made in the graph from two per-step keys (nothing mask-sized goes up)
  // the dropout masks of all sites cut from the stream by a few Splits (maskPlan)
  const maxMaskElements = o.maxMaskDims && probe.dropoutSites.reduce((a, s) => a + resolveShape(s.shape, o.maxMaskDims!).reduce((x, y) => x * y, 1), 0);
  const g = new Graph({
    training: o.dropout,
    seed: o.seed,
    deviceOps: true,
    masks: 'in-graph',
    maskPlan: probe.dropoutSites.map((s) => ({ rate: s.rate, shape: s.shape })),
    maxMaskElements,
  });
  const { flat, slots } = viewFlatParams(g, groups, joints);
  const { logits } = model.buildLogits(g, { trainable: o.trainable });
  // one label per logits row (per document for models/docPool.ts, whose rows are not the input rows)
  const labels = g.input('labels', 'float32', [logits.shape[0]]);
  const cw = o.classWeights ? g.constant(o.classWeights, 'float32', [o.classWeights.length]) : undefined;
  const loss = g.softmaxCrossEntropy(logits, labels, cw);
  const order = groups.flatMap((gr) => slots.get(gr.name)!);
  const grads = new Map(
    grad(
      g,
      loss,
      order.map((sl) => sl.tensor),
    ).map((d, i) => [order[i], d]),
  );

  // gradients in the flat layout, and the global norm summed in rows of FLAT_ALIGN (then over rows: float32 sums
  // of at most a few thousand terms each, close to the host trainer's float64 sum)
  const flatGrad = new Map<string, Tensor>();
  let sq: Tensor | undefined;
  const rowSums = rowSummer(g);
  for (const gr of groups) {
    const used = gr.entries.reduce((a, e) => a + e.size, 0);
    const parts = rowSums(slots.get(gr.name)!.map((sl) => ({ grad: grads.get(sl)!, size: sl.size })));
    if (gr.size > used) parts.push(g.constant(new Float32Array(gr.size - used), 'float32', [gr.size - used]));
    const fg = concatTree(g, parts);
    flatGrad.set(gr.name, fg);
    const rows = g.node('ReduceSumSquare', [g.reshape(fg, [gr.size / FLAT_ALIGN, FLAT_ALIGN]), g.ints([1])], [['float32', [gr.size / FLAT_ALIGN]]], {
      keepdims: { i: 0 },
    })[0];
    const s = g.reduceSum(rows, [0]);
    sq = sq ? g.add(sq, s) : s;
  }
  const gradNorm = g.sqrt(sq!);

  const one = g.scalar(1);
  const [b1, b2] = o.betas;
  // the clipping coefficient is folded into the moments' scalar factors: (1-b1) c g and (1-b2) c^2 g^2
  let m1 = g.scalar(1 - b1),
    v1 = g.scalar(1 - b2);
  if (o.maxGradNorm > 0) {
    // torch.nn.utils.clip_grad_norm_: coef = max_norm / (norm + 1e-6), clamped to at most 1
    const c = g.div(g.scalar(o.maxGradNorm), g.add(gradNorm, g.scalar(1e-6)));
    const coef = g.where(g.less(c, one), c, one);
    m1 = g.mul(m1, coef);
    v1 = g.mul(v1, g.mul(coef, coef));
  }
  const decayed = g.input(OPT_INPUTS.decay, 'float32', []);
  const stepSize = g.input(OPT_INPUTS.stepSize, 'float32', []);
  const invBc2sqrt = g.input(OPT_INPUTS.invBc2sqrt, 'float32', []);

  const state: StateSlot[] = [];
  const constants = new Map<string, Float32Array>();
  for (const gr of groups) {
    const p = flat.get(gr.name)!;
    // layer-wise learning-rate decay: one constant [size] vector of factors, one Mul on the update and (with
    // weight decay) two on the decay factor: p *= 1 - lr s wd = 1 + (decay - 1) s
    const scaleValues = lrScaleVector(gr, o.lrScale);
    if (scaleValues) constants.set(LR_SCALE_INPUT, scaleValues);
    const lrScale = scaleValues && g.input(LR_SCALE_INPUT, 'float32', [gr.size]);
    const gf = flatGrad.get(gr.name)!;
    const m = g.input(flatName('adam_m', gr.name), 'float32', [gr.size]);
    const v = g.input(flatName('adam_v', gr.name), 'float32', [gr.size]);
    const m2 = g.add(g.mul(m, g.scalar(b1)), g.mul(gf, m1));
    const v2 = g.add(g.mul(v, g.scalar(b2)), g.mul(g.mul(gf, gf), v1));
    const denom = g.add(g.mul(g.sqrt(v2), invBc2sqrt), g.scalar(o.eps));
    // weight decay on the first decaySize elements: Split, Mul, Concat (a Where over a bool mask of the buffer's
    // size gives zeros past ~2^25 elements on lavapipe's WebGPU)
    let base = p;
    if (o.weightDecay > 0 && gr.decaySize > 0) {
      const whole = gr.decaySize === gr.size;
      const decayScale = lrScale && (whole ? lrScale : g.split(lrScale, [gr.decaySize, gr.size - gr.decaySize], 0)[0]);
      const factor = decayScale ? g.add(g.mul(decayScale, g.sub(decayed, one)), one) : decayed;
      if (whole) base = g.mul(p, factor);
      else {
        const [dec, rest] = g.split(p, [gr.decaySize, gr.size - gr.decaySize], 0);
        base = g.concat([g.mul(dec, factor), rest], 0);
      }
    }
    const step = g.mul(m2, stepSize);
    const p2 = g.sub(base, g.div(lrScale ? g.mul(step, lrScale) : step, denom));
    for (const [kind, x, y] of [
      ['param', p, p2],
      ['adam_m', m, m2],
      ['adam_v', v, v2],
    ] as const) {
      g.output(next(x.name), y);
      state.push({ input: x.name, output: next(x.name), shape: [gr.size], kind, group: gr.name });
    }
  }
  g.output('loss', loss);
  g.output('gradNorm', gradNorm);

  const perStep = [...model.inputNames, 'labels', ...(g.dropoutSites.length ? [RNG_SEED0, RNG_SEED1] : []), ...Object.values(OPT_INPUTS)];
  return {
    graph: g,
    state,
    groups,
    joints,
    frozen: g.params.filter((p) => !p.trainable).map((p) => p.tensor.name),
    perStep,
    metrics: ['loss', 'gradNorm'],
    constants,
  };
}
