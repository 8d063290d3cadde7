// The graph builder: symbolic tensors, parameters and one method per primitive. Every primitive emits exactly
// one ONNX node (plus small int64 constants for its axes/shape inputs), checks and infers shapes at build time,
// and has one gradient rule in ../autodiff/rules.ts. Composites are in ./composites.ts, linear algebra and
// normalization in ./mathOps.ts, shape ops in ./shapeOps.ts, dropout and its in-graph
// random stream in ./dropout.ts.
import type { Attr, ConstantSpec, CustomGrad, DType, Dim, DropoutSite, Node, ParamSpec, Tensor } from './types';
import { isFloat, ONNX_DTYPE, toTyped, type Values } from './types';
import { broadcast, canon, fmt, isStatic, normAxis, numel, sameDim } from './shape';
import * as comp from './composites';
import { dropout } from './dropout';
import * as shapeOps from './shapeOps';
import * as mathOps from './mathOps';

export interface GraphOptions {
  training?: boolean;
  seed?: number;
  /**
   * Build with the forms that GPU execution providers run fast (the device trainer, ../devices): linear layers as
   * Gemm(x, W^T) with W^T made by a Transpose (onnxruntime's WebGPU Gemm runs transB=1 about 3x slower) and a
   * backward that needs no transB either; LogSoftmax from ReduceMax/Exp/ReduceSum/Log (WebGPU has no LogSoftmax
   * kernel); cross-entropy labels may be float. Same values as the default forms up to float rounding.
   */
  deviceOps?: boolean;
  /**
   * Where dropout keep-masks come from: 'inputs' (default) = one bool graph input per site, filled by the trainer
   * (train/rng.ts fillKeepMask); 'in-graph' = the graph computes them from two per-step uint32 keys, bit for bit the
   * same masks (see dropout()).
   */
  masks?: 'inputs' | 'in-graph';
  /**
   * With masks 'in-graph': the dropout sites the model will make (rate and shape, in call order, e.g. a first
   * build's dropoutSites). All sites' masks are then cut from the stream by a few Splits (./dropout.ts), whose part
   * sizes are inputs (maskSplits), instead of one Slice per site.
   */
  maskPlan?: readonly { rate: number; shape: readonly Dim[] }[];
  /**
   * With masks 'in-graph': the most elements one micro-step's stream may have (a build-time bound; the length
   * itself is fed per run). Above 2^25 the keep-masks are made in chunks of 2^24 (./dropout.ts keepScaled).
   */
  maxMaskElements?: number;
}

/** A Split of the dropout stream (GraphOptions.maskPlan): `input` holds its part sizes, part i the sites ranges[i]. */
export interface MaskSplit {
  input: Tensor;
  ranges: [number, number][];
}

export class Graph {
  readonly training: boolean;
  readonly seed: number;
  readonly deviceOps: boolean;
  readonly masks: 'inputs' | 'in-graph';
  readonly tensors: Tensor[] = [];
  readonly nodes: Node[] = [];
  readonly inputs: Tensor[] = [];
  readonly params: ParamSpec[] = [];
  readonly constants: ConstantSpec[] = [];
  readonly outputs: { name: string; tensor: Tensor }[] = [];
  readonly dropoutSites: DropoutSite[] = [];
  readonly maskPlan?: readonly { rate: number; shape: readonly Dim[] }[];
  readonly maxMaskElements?: number;
  /** the Splits of the dropout stream under maskPlan (their size inputs are fed per run: train/rng.ts maskInputs) */
  readonly maskSplits: MaskSplit[] = [];
  /** producer node of each tensor id (undefined for inputs, params, constants) */
  readonly producer = new Map<number, Node>();
  /** custom backward of a composite, by the id of the node producing its output (see customGrad) */
  readonly customGrads = new Map<number, CustomGrad<Graph>>();
  private readonly names = new Set<string>();
  private readonly symbolSource = new Map<string, { t: Tensor; axis: number }>();
  private readonly cache = new Map<string, Tensor>();
  /** tensors that stand for parameters (see paramView): param(name) returns these instead of new leaves */
  private readonly views = new Map<string, Tensor>();
  /** parameter groups read as one stacked tensor (see joint), in request order */
  readonly jointRequests: string[][] = [];
  private readonly joints = new Map<string, Tensor>();

  constructor(opts: GraphOptions = {}) {
    this.training = opts.training ?? false;
    this.seed = opts.seed ?? 0;
    this.deviceOps = opts.deviceOps ?? false;
    this.masks = opts.masks ?? 'inputs';
    this.maskPlan = opts.maskPlan;
    this.maxMaskElements = opts.maxMaskElements;
  }

  /**
   * Makes param(name) return `t` (e.g. a slice of a flat parameter buffer) instead of a new graph input. Call it
   * before the model builds its graph. The view is not listed in `params` (it is no leaf); differentiate with
   * respect to `t` itself.
   */
  paramView(name: string, t: Tensor): void {
    if (this.views.has(name)) throw new Error(`paramView: '${name}' already has a view`);
    this.views.set(name, t);
  }

  private readonly transposes = new Map<number, Tensor>();

  /** Records that `xT` is the transpose of the matrix `x`: under deviceOps, transpose(x, [1, 0]) returns it. */
  knownTranspose(x: Tensor, xT: Tensor): void {
    if (x.shape.length !== 2 || xT.shape.length !== 2 || !sameDim(x.shape[0], xT.shape[1]) || !sameDim(x.shape[1], xT.shape[0]))
      throw new Error(`knownTranspose: ${fmt(xT.shape)} is not the transpose of ${fmt(x.shape)}`);
    this.transposes.set(x.id, xT);
  }

  /** The transpose recorded with knownTranspose, if any. */
  transposeOf(x: Tensor): Tensor | undefined {
    return this.transposes.get(x.id);
  }

  /** Registers `t` as the parameters `names` stacked along axis 0, for joint(names). */
  jointView(names: readonly string[], t: Tensor): void {
    const key = names.join('\n');
    if (this.joints.has(key)) throw new Error(`jointView: [${names.join(', ')}] already has a view`);
    this.joints.set(key, t);
  }

  /**
   * The parameters `names` (already declared: `parts`) stacked along axis 0 as one tensor: the view registered with
   * jointView (e.g. consecutive parts of a flat parameter buffer: no kernel, and their gradient is one tensor), else
   * Concat(parts). The request is recorded in jointRequests.
   */
  joint(names: readonly string[], parts: Tensor[]): Tensor {
    const key = names.join('\n');
    if (!this.jointRequests.some((r) => r.join('\n') === key)) this.jointRequests.push([...names]);
    return this.joints.get(key) ?? this.concat(parts, 0);
  }

  // ---------- leaves ----------

  private tensor(dtype: DType, shape: readonly Dim[], name?: string): Tensor {
    const id = this.tensors.length;
    const n = name ?? `t${id}`;
    if (this.names.has(n)) throw new Error(`graph: duplicate tensor name '${n}'`);
    this.names.add(n);
    const t: Tensor = Object.freeze({ id, name: n, dtype, shape: Object.freeze(shape.map(canon)) });
    this.tensors.push(t);
    return t;
  }

  input(name: string, dtype: DType, shape: Dim[]): Tensor {
    const t = this.tensor(dtype, shape, name);
    shape.forEach((d, axis) => {
      if (typeof d === 'string' && !d.includes('*') && !this.symbolSource.has(d)) this.symbolSource.set(d, { t, axis });
    });
    this.inputs.push(t);
    return t;
  }

  param(name: string, shape: number[], opts: { trainable?: boolean; decay?: boolean; dtype?: DType } = {}): Tensor {
    if (!shape.every((d) => Number.isInteger(d) && d > 0)) throw new Error(`param '${name}': shape must be positive integers, got ${fmt(shape)}`);
    const view = this.views.get(name);
    if (view) {
      if (view.shape.length !== shape.length || view.shape.some((d, i) => d !== shape[i]))
        throw new Error(`param '${name}': its view is ${fmt(view.shape)}, the model wants ${fmt(shape)}`);
      return view;
    }
    const t = this.tensor(opts.dtype ?? 'float32', shape, name);
    // HF convention: no weight decay for biases and LayerNorm weights.
    const noDecay = /(^|\.)bias$/.test(name) || /layer_?norm/i.test(name) || shape.length === 1;
    this.params.push({ tensor: t, shape: [...shape], trainable: opts.trainable ?? true, decay: opts.decay ?? !noDecay });
    return t;
  }

  constant(values: Values, dtype: DType, shape: number[]): Tensor {
    const n = numel(shape);
    if (values.length !== n) throw new Error(`constant: ${values.length} values for shape ${fmt(shape)} (needs ${n})`);
    const t = this.tensor(dtype, shape);
    this.constants.push({ tensor: t, values: toTyped(values, dtype) });
    return t;
  }

  scalar(value: number, dtype: DType = 'float32'): Tensor {
    const key = `s:${dtype}:${value}`;
    let t = this.cache.get(key);
    if (!t) this.cache.set(key, (t = this.constant([value], dtype, [])));
    return t;
  }

  /** A constant of a static shape filled with one value, cached. */
  full(value: number, dtype: DType, shape: number[]): Tensor {
    const key = `f:${dtype}:${value}:${shape.join(',')}`;
    let t = this.cache.get(key);
    if (!t) this.cache.set(key, (t = this.constant(Array(numel(shape)).fill(value), dtype, shape)));
    return t;
  }

  /** int64 1-D constant (axes, shapes, starts ...), cached. */
  ints(values: readonly number[]): Tensor {
    const key = `i:${values.join(',')}`;
    let t = this.cache.get(key);
    if (!t) this.cache.set(key, (t = this.constant(BigInt64Array.from(values.map(BigInt)), 'int64', [values.length])));
    return t;
  }

  output(name: string, t: Tensor): void {
    if (this.outputs.some((o) => o.name === name)) throw new Error(`output: duplicate output name '${name}'`);
    this.outputs.push({ name, tensor: t });
  }

  paramSpec(t: Tensor): ParamSpec | undefined {
    return this.params.find((p) => p.tensor.id === t.id);
  }

  /**
   * Gives the composite ending in `y` its own backward: grad() maps dy to the gradients of `inputs` with `rule`
   * instead of differentiating the nodes between them (fewer, fused backward ops). Gradients with respect to
   * tensors inside the composite are then not available through y. `rule` must return one gradient per input.
   */
  customGrad(y: Tensor, inputs: Tensor[], rule: (g: Graph, dy: Tensor) => Tensor[]): Tensor {
    const n = this.producer.get(y.id);
    if (!n || n.outputs.length !== 1) throw new Error(`customGrad: '${y.name}' must be the single output of a node of this graph`);
    if (this.customGrads.has(n.id)) throw new Error(`customGrad: '${y.name}' already has a custom gradient`);
    for (const x of inputs) if (this.tensors[x.id] !== x) throw new Error(`customGrad: input '${x.name}' belongs to another graph`);
    this.customGrads.set(n.id, { inputs, rule });
    return y;
  }

  /** Low-level: append one node. Outputs are new tensors with the given dtypes/shapes. */
  node(op: string, inputs: (Tensor | null)[], outs: [DType, readonly Dim[]][], attrs: Record<string, Attr> = {}, meta: Record<string, any> = {}): Tensor[] {
    for (const x of inputs) if (x && this.tensors[x.id] !== x) throw new Error(`${op}: input tensor '${x.name}' belongs to another graph`);
    const outputs = outs.map(([d, s]) => this.tensor(d, s));
    const n: Node = { id: this.nodes.length, op, inputs, outputs, attrs, meta };
    this.nodes.push(n);
    for (const o of outputs) this.producer.set(o.id, n);
    return outputs;
  }

  /** Low-level: append one node with one output (the ops of ./mathOps.ts and ./shapeOps.ts use it too). */
  one(op: string, inputs: (Tensor | null)[], dtype: DType, shape: readonly Dim[], attrs: Record<string, Attr> = {}, meta: Record<string, any> = {}): Tensor {
    return this.node(op, inputs, [[dtype, shape]], attrs, meta)[0];
  }

  // ---------- runtime shape helpers (int64 paths; no gradients flow here) ----------

  /** int64 [1] tensor holding the run-time size of a dim (number, symbol, or product of symbols). */
  dimSize(d: Dim): Tensor {
    if (typeof d === 'number') return this.ints([d]);
    const key = `d:${canon(d)}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const parts = String(canon(d)).split('*');
    let t: Tensor;
    if (parts.length === 1) {
      const src = this.symbolSource.get(d as string);
      if (!src) throw new Error(`dimension '${d}' has no source: declare an input with it before using it in a shape`);
      t = this.one('Shape', [src.t], 'int64', [1], { start: { i: src.axis }, end: { i: src.axis + 1 } });
    } else {
      t = parts.map((p) => this.dimSize(Number.isFinite(Number(p)) ? Number(p) : p)).reduce((a, b) => this.one('Mul', [a, b], 'int64', [1]));
    }
    this.cache.set(key, t);
    return t;
  }

  /** int64 1-D tensor holding a shape; a constant when the shape is static. */
  shapeTensor(dims: readonly Dim[]): Tensor {
    if (isStatic(dims)) return this.ints(dims);
    const key = `sh:${dims.join(',')}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const t = this.one(
      'Concat',
      dims.map((d) => this.dimSize(d)),
      'int64',
      [dims.length],
      { axis: { i: 0 } },
    );
    this.cache.set(key, t);
    return t;
  }

  zeros(shape: readonly Dim[], dtype: DType = 'float32'): Tensor {
    return this.expand(this.scalar(0, dtype), [...shape]);
  }

  // ---------- elementwise ----------

  private binary(op: string, name: string, a: Tensor, b: Tensor): Tensor {
    if (a.dtype !== b.dtype) throw new Error(`${name}: dtype mismatch ${a.dtype} ${fmt(a.shape)} vs ${b.dtype} ${fmt(b.shape)}`);
    return this.one(op, [a, b], a.dtype, broadcast(name, a.shape, b.shape));
  }

  private unaryFloat(op: string, name: string, x: Tensor): Tensor {
    if (!isFloat(x.dtype)) throw new Error(`${name}: needs a float tensor, got ${x.dtype} ${fmt(x.shape)}`);
    return this.one(op, [x], x.dtype, x.shape);
  }

  add(a: Tensor, b: Tensor): Tensor {
    return this.binary('Add', 'add', a, b);
  }
  sub(a: Tensor, b: Tensor): Tensor {
    return this.binary('Sub', 'sub', a, b);
  }
  mul(a: Tensor, b: Tensor): Tensor {
    return this.binary('Mul', 'mul', a, b);
  }
  div(a: Tensor, b: Tensor): Tensor {
    return this.binary('Div', 'div', a, b);
  }
  neg(x: Tensor): Tensor {
    return this.one('Neg', [x], x.dtype, x.shape);
  }
  exp(x: Tensor): Tensor {
    return this.unaryFloat('Exp', 'exp', x);
  }
  log(x: Tensor): Tensor {
    return this.unaryFloat('Log', 'log', x);
  }
  sqrt(x: Tensor): Tensor {
    return this.unaryFloat('Sqrt', 'sqrt', x);
  }
  tanh(x: Tensor): Tensor {
    return this.unaryFloat('Tanh', 'tanh', x);
  }
  erf(x: Tensor): Tensor {
    return this.unaryFloat('Erf', 'erf', x);
  }
  relu(x: Tensor): Tensor {
    return this.unaryFloat('Relu', 'relu', x);
  }
  sigmoid(x: Tensor): Tensor {
    return this.unaryFloat('Sigmoid', 'sigmoid', x);
  }
  pow(x: Tensor, exponent: number): Tensor {
    if (!isFloat(x.dtype)) throw new Error(`pow: needs a float tensor, got ${x.dtype}`);
    return this.one('Pow', [x, this.scalar(exponent, x.dtype)], x.dtype, x.shape, {}, { exponent });
  }

  equal(a: Tensor, b: Tensor): Tensor {
    return this.compare('Equal', 'equal', a, b);
  }
  less(a: Tensor, b: Tensor): Tensor {
    return this.compare('Less', 'less', a, b);
  }
  greater(a: Tensor, b: Tensor): Tensor {
    return this.compare('Greater', 'greater', a, b);
  }
  private compare(op: string, name: string, a: Tensor, b: Tensor): Tensor {
    if (a.dtype !== b.dtype) throw new Error(`${name}: dtype mismatch ${a.dtype} vs ${b.dtype}`);
    return this.one(op, [a, b], 'bool', broadcast(name, a.shape, b.shape));
  }

  where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
    if (cond.dtype !== 'bool') throw new Error(`where: condition must be bool, got ${cond.dtype}`);
    if (a.dtype !== b.dtype) throw new Error(`where: dtype mismatch ${a.dtype} vs ${b.dtype}`);
    return this.one('Where', [cond, a, b], a.dtype, broadcast('where', cond.shape, a.shape, b.shape));
  }

  cast(x: Tensor, dtype: DType): Tensor {
    return this.one('Cast', [x], dtype, x.shape, { to: { i: ONNX_DTYPE[dtype] } });
  }

  // ---------- linear algebra (./mathOps.ts) ----------

  matmul(a: Tensor, b: Tensor): Tensor {
    return mathOps.matmul(this, a, b);
  }
  gemm(a: Tensor, b: Tensor, c: Tensor | null, opts: { transA?: boolean; transB?: boolean } = {}): Tensor {
    return mathOps.gemm(this, a, b, c, opts);
  }

  // ---------- shape ops (./shapeOps.ts) ----------
  transpose(x: Tensor, perm: number[]): Tensor {
    return shapeOps.transpose(this, x, perm);
  }
  reshape(x: Tensor, shape: Dim[]): Tensor {
    return shapeOps.reshape(this, x, shape);
  }
  unsqueeze(x: Tensor, axes: number[]): Tensor {
    return shapeOps.unsqueeze(this, x, axes);
  }
  squeeze(x: Tensor, axes: number[]): Tensor {
    return shapeOps.squeeze(this, x, axes);
  }
  concat(xs: Tensor[], axis: number): Tensor {
    return shapeOps.concat(this, xs, axis);
  }
  slice(x: Tensor, starts: number[], ends: number[], axes: number[], steps?: number[]): Tensor {
    return shapeOps.slice(this, x, starts, ends, axes, steps);
  }
  split(x: Tensor, sizes: number[], axis: number): Tensor[] {
    return shapeOps.split(this, x, sizes, axis);
  }
  expand(x: Tensor, shape: Dim[]): Tensor {
    return shapeOps.expand(this, x, shape);
  }
  gather(data: Tensor, indices: Tensor, axis = 0): Tensor {
    return shapeOps.gather(this, data, indices, axis);
  }

  // ---------- reductions ----------

  private reduce(op: string, name: string, x: Tensor, axes: number[], keepdims: boolean): Tensor {
    const ax = [...new Set(axes.map((a) => normAxis(name, a, x.shape.length)))].sort((p, q) => p - q);
    if (ax.length === 0) throw new Error(`${name}: no axes given`);
    const out = keepdims ? x.shape.map((d, i) => (ax.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !ax.includes(i));
    return this.one(op, [x, this.ints(ax)], x.dtype, out, { keepdims: { i: +keepdims } }, { axes: ax, keepdims });
  }
  reduceSum(x: Tensor, axes: number[], keepdims = false): Tensor {
    return this.reduce('ReduceSum', 'reduceSum', x, axes, keepdims);
  }
  reduceMean(x: Tensor, axes: number[], keepdims = false): Tensor {
    return this.reduce('ReduceMean', 'reduceMean', x, axes, keepdims);
  }
  reduceMax(x: Tensor, axes: number[], keepdims = false): Tensor {
    return this.reduce('ReduceMax', 'reduceMax', x, axes, keepdims);
  }

  // ---------- normalization (./mathOps.ts) ----------
  softmax(x: Tensor, axis = -1): Tensor {
    return mathOps.softmax(this, x, axis);
  }
  logSoftmax(x: Tensor, axis = -1): Tensor {
    return mathOps.logSoftmax(this, x, axis);
  }
  layerNorm(x: Tensor, scale: Tensor, bias: Tensor, eps: number): Tensor {
    return mathOps.layerNorm(this, x, scale, bias, eps);
  }
  skipLayerNorm(a: Tensor, b: Tensor, scale: Tensor, bias: Tensor, eps: number): Tensor {
    return mathOps.skipLayerNorm(this, a, b, scale, bias, eps);
  }

  /** Inverted dropout; identity in eval. Masks as GraphOptions.masks says (./dropout.ts). */
  dropout(x: Tensor, rate: number): Tensor {
    return dropout(this, x, rate);
  }

  // ---------- composites (./composites.ts) ----------
  linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
    return comp.linear(this, x, weight, bias);
  }
  gelu(x: Tensor): Tensor {
    return comp.gelu(this, x);
  }
  geluTanh(x: Tensor): Tensor {
    return comp.geluTanh(this, x);
  }
  softmaxCrossEntropy(logits: Tensor, labels: Tensor, classWeights?: Tensor): Tensor {
    return comp.softmaxCrossEntropy(this, logits, labels, classWeights);
  }
}
