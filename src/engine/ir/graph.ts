// The graph builder: symbolic tensors, parameters and one method per primitive. Every primitive emits exactly
// one ONNX node (plus small int64 constants for its axes/shape inputs), checks and infers shapes at build time,
// and has one gradient rule in ../autodiff/rules.ts. Composites are in ./composites.ts.
import type { Attr, ConstantSpec, CustomGrad, DType, Dim, DropoutSite, Node, ParamSpec, Tensor } from './types';
import { isFloat } from './types';
import { broadcast, canon, divide, fmt, isStatic, normAxis, numel, product, sameDim } from './shape';
import * as comp from './composites';
import { keepThreshold, rngEnd, RNG_COUNT, RNG_SEED0, RNG_SEED1, WEYL } from '../train/rng';

const BIG = 2 ** 62; // slice 'to the end' sentinel (ONNX clamps)

type Values = ArrayLike<number> | BigInt64Array;

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
      if (view.shape.length !== shape.length || view.shape.some((d, i) => d !== shape[i])) throw new Error(`param '${name}': its view is ${fmt(view.shape)}, the model wants ${fmt(shape)}`);
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

  private one(op: string, inputs: (Tensor | null)[], dtype: DType, shape: readonly Dim[], attrs: Record<string, Attr> = {}, meta: Record<string, any> = {}): Tensor {
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
    const t = this.one('Concat', dims.map((d) => this.dimSize(d)), 'int64', [dims.length], { axis: { i: 0 } });
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

  add(a: Tensor, b: Tensor): Tensor { return this.binary('Add', 'add', a, b); }
  sub(a: Tensor, b: Tensor): Tensor { return this.binary('Sub', 'sub', a, b); }
  mul(a: Tensor, b: Tensor): Tensor { return this.binary('Mul', 'mul', a, b); }
  div(a: Tensor, b: Tensor): Tensor { return this.binary('Div', 'div', a, b); }
  neg(x: Tensor): Tensor { return this.one('Neg', [x], x.dtype, x.shape); }
  exp(x: Tensor): Tensor { return this.unaryFloat('Exp', 'exp', x); }
  log(x: Tensor): Tensor { return this.unaryFloat('Log', 'log', x); }
  sqrt(x: Tensor): Tensor { return this.unaryFloat('Sqrt', 'sqrt', x); }
  tanh(x: Tensor): Tensor { return this.unaryFloat('Tanh', 'tanh', x); }
  erf(x: Tensor): Tensor { return this.unaryFloat('Erf', 'erf', x); }
  relu(x: Tensor): Tensor { return this.unaryFloat('Relu', 'relu', x); }
  sigmoid(x: Tensor): Tensor { return this.unaryFloat('Sigmoid', 'sigmoid', x); }
  pow(x: Tensor, exponent: number): Tensor {
    if (!isFloat(x.dtype)) throw new Error(`pow: needs a float tensor, got ${x.dtype}`);
    return this.one('Pow', [x, this.scalar(exponent, x.dtype)], x.dtype, x.shape, {}, { exponent });
  }

  equal(a: Tensor, b: Tensor): Tensor { return this.compare('Equal', 'equal', a, b); }
  less(a: Tensor, b: Tensor): Tensor { return this.compare('Less', 'less', a, b); }
  greater(a: Tensor, b: Tensor): Tensor { return this.compare('Greater', 'greater', a, b); }
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

  // ---------- linear algebra ----------

  /** Batched matmul like numpy.matmul; both operands rank >= 2. */
  matmul(a: Tensor, b: Tensor): Tensor {
    if (a.dtype !== b.dtype) throw new Error(`matmul: dtype mismatch ${a.dtype} vs ${b.dtype}`);
    if (a.shape.length < 2 || b.shape.length < 2) throw new Error(`matmul: operands need rank >= 2: ${fmt(a.shape)} x ${fmt(b.shape)}`);
    const [m, k1] = a.shape.slice(-2);
    const [k2, n] = b.shape.slice(-2);
    if (!sameDim(k1, k2)) throw new Error(`matmul: inner dims differ: ${fmt(a.shape)} x ${fmt(b.shape)}`);
    const batch = broadcast('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
    return this.one('MatMul', [a, b], a.dtype, [...batch, m, n]);
  }

  /** ONNX Gemm on 2-D operands: op(a) @ op(b) (+ c), op = optional transpose. Used by linear and by gradients. */
  gemm(a: Tensor, b: Tensor, c: Tensor | null, opts: { transA?: boolean; transB?: boolean } = {}): Tensor {
    if (a.shape.length !== 2 || b.shape.length !== 2) throw new Error(`gemm: operands must be 2-D: ${fmt(a.shape)} x ${fmt(b.shape)}`);
    if (a.dtype !== b.dtype) throw new Error(`gemm: dtype mismatch ${a.dtype} vs ${b.dtype}`);
    const tA = !!opts.transA, tB = !!opts.transB;
    const [m, k1] = tA ? [a.shape[1], a.shape[0]] : a.shape;
    const [k2, n] = tB ? [b.shape[1], b.shape[0]] : b.shape;
    if (!sameDim(k1, k2)) throw new Error(`gemm: inner dims differ: ${fmt(a.shape)}${tA ? '^T' : ''} x ${fmt(b.shape)}${tB ? '^T' : ''}`);
    if (c) broadcast('gemm', [m, n], c.shape).forEach((d, i) => { if (!sameDim(d, [m, n][i])) throw new Error(`gemm: bias ${fmt(c.shape)} does not broadcast to ${fmt([m, n])}`); });
    return this.one('Gemm', c ? [a, b, c] : [a, b], a.dtype, [m, n], { transA: { i: +tA }, transB: { i: +tB } }, { transA: tA, transB: tB });
  }

  // ---------- shape ops ----------

  transpose(x: Tensor, perm: number[]): Tensor {
    const r = x.shape.length;
    if (perm.length !== r || [...perm].sort((p, q) => p - q).some((p, i) => p !== i)) throw new Error(`transpose: perm [${perm}] is not a permutation of rank ${r} (shape ${fmt(x.shape)})`);
    if (this.deviceOps) {
      // a Transpose of a Transpose is one Transpose (none when they cancel): one kernel fewer, the same values
      const inner = this.producer.get(x.id);
      if (inner?.op === 'Transpose') {
        const p0: number[] = inner.meta.perm;
        const composed = perm.map((p) => p0[p]);
        const src = inner.inputs[0]!;
        return composed.every((p, i) => p === i) ? src : this.transpose(src, composed);
      }
      // the last two axes of a MatMul product swapped: (A B)^T = B^T A^T, whose transposes may cancel in turn
      if (inner?.op === 'MatMul' && r >= 2 && perm.every((p, i) => (i < r - 2 ? p === i : p === (i === r - 1 ? r - 2 : r - 1)))) {
        const [a, b] = inner.inputs as Tensor[];
        if (a.shape.length === r && b.shape.length === r) {
          const swap = [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2];
          return this.matmul(this.transpose(b, swap), this.transpose(a, swap));
        }
      }
    }
    return this.one('Transpose', [x], x.dtype, perm.map((p) => x.shape[p]), { perm: { ints: perm } }, { perm });
  }

  reshape(x: Tensor, shape: Dim[]): Tensor {
    const total = product(x.shape);
    const out: Dim[] = shape.map((d, i) => {
      if (d === 0) {
        if (i >= x.shape.length) throw new Error(`reshape: 0 at position ${i} but input ${fmt(x.shape)} has rank ${x.shape.length}`);
        return x.shape[i];
      }
      return d;
    });
    const inferAt = out.indexOf(-1);
    if (out.filter((d) => d === -1).length > 1) throw new Error(`reshape: more than one -1 in ${fmt(shape)}`);
    if (inferAt >= 0) {
      const known = product(out.filter((_, i) => i !== inferAt));
      const d = divide(total, known);
      if (d === undefined) throw new Error(`reshape: cannot reshape ${fmt(x.shape)} to ${fmt(shape)}`);
      out[inferAt] = d;
    } else if (!sameDim(product(out), total)) {
      throw new Error(`reshape: cannot reshape ${fmt(x.shape)} (${total} elements) to ${fmt(shape)} (${product(out)})`);
    }
    // The run-time shape input: numbers as is; a symbol equal to the input's dim at the same axis becomes 0
    // (copy); one remaining symbol becomes -1 (infer); any others are computed from the inputs' shapes.
    const rt: Dim[] = out.map((d, i) => (typeof d === 'string' && i < x.shape.length && sameDim(d, x.shape[i]) ? 0 : d));
    const syms = rt.filter((d) => typeof d === 'string');
    if (syms.length === 1) rt[rt.indexOf(syms[0])] = -1;
    return this.one('Reshape', [x, this.shapeTensor(rt)], x.dtype, out, {}, { shape: out });
  }

  unsqueeze(x: Tensor, axes: number[]): Tensor {
    const r = x.shape.length + axes.length;
    const ax = axes.map((a) => normAxis('unsqueeze', a, r)).sort((p, q) => p - q);
    const out: Dim[] = [];
    let j = 0;
    for (let i = 0; i < r; i++) out.push(ax.includes(i) ? 1 : x.shape[j++]);
    return this.one('Unsqueeze', [x, this.ints(ax)], x.dtype, out, {}, { axes: ax });
  }

  squeeze(x: Tensor, axes: number[]): Tensor {
    const ax = axes.map((a) => normAxis('squeeze', a, x.shape.length)).sort((p, q) => p - q);
    for (const a of ax) if (x.shape[a] !== 1) throw new Error(`squeeze: axis ${a} of ${fmt(x.shape)} is not 1`);
    return this.one('Squeeze', [x, this.ints(ax)], x.dtype, x.shape.filter((_, i) => !ax.includes(i)), {}, { axes: ax });
  }

  concat(xs: Tensor[], axis: number): Tensor {
    if (xs.length === 0) throw new Error('concat: no tensors');
    const r = xs[0].shape.length;
    const a = normAxis('concat', axis, r);
    for (const x of xs) {
      if (x.dtype !== xs[0].dtype) throw new Error(`concat: dtype mismatch ${xs[0].dtype} vs ${x.dtype}`);
      if (x.shape.length !== r || x.shape.some((d, i) => i !== a && !sameDim(d, xs[0].shape[i]))) throw new Error(`concat: shapes differ off axis ${a}: ${xs.map((t) => fmt(t.shape)).join(', ')}`);
    }
    const along = xs.map((x) => x.shape[a]);
    const sum: Dim = along.every((d) => typeof d === 'number') ? (along as number[]).reduce((p, q) => p + q, 0) : along.join('+');
    const out = [...xs[0].shape];
    out[a] = sum;
    return this.one('Concat', xs, xs[0].dtype, out, { axis: { i: a } }, { axis: a });
  }

  slice(x: Tensor, starts: number[], ends: number[], axes: number[], steps?: number[]): Tensor {
    const st = steps ?? starts.map(() => 1);
    if (starts.length !== ends.length || starts.length !== axes.length || st.length !== axes.length) throw new Error('slice: starts, ends, axes (and steps) must have equal lengths');
    const out = [...x.shape];
    const ax = axes.map((a) => normAxis('slice', a, x.shape.length));
    ax.forEach((a, i) => {
      const d = x.shape[a];
      const [s, e, k] = [starts[i], ends[i], st[i]];
      if (k === 0) throw new Error('slice: step 0');
      if (typeof d === 'number') {
        const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
        const s2 = k > 0 ? clamp(s, 0, d) : clamp(s, -1, d - 1);
        const e2 = k > 0 ? clamp(e, 0, d) : clamp(e, -1, d - 1);
        out[a] = Math.max(0, Math.ceil((e2 - s2) / k));
      } else if (k === 1 && s === 0 && e >= BIG / 2) out[a] = d;
      else if (k === 1 && s >= 0 && e >= 0 && e < BIG / 2) out[a] = e - s; // assumes the symbolic dim is >= end
      else out[a] = `${d}[${s}:${e}:${k}]`;
    });
    return this.one('Slice', [x, this.ints(starts), this.ints(ends), this.ints(ax), this.ints(st)], x.dtype, out, {}, { starts, ends, axes: ax, steps: st });
  }

  /** ONNX Split along `axis` into static `sizes` (summing to the axis length): one kernel for all the parts. */
  split(x: Tensor, sizes: number[], axis: number): Tensor[] {
    const a = normAxis('split', axis, x.shape.length);
    const total = sizes.reduce((p, q) => p + q, 0);
    if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`split: sizes must be positive integers, got [${sizes}]`);
    if (typeof x.shape[a] === 'number' ? x.shape[a] !== total : true) throw new Error(`split: sizes [${sizes}] (sum ${total}) do not cover axis ${a} of ${fmt(x.shape)}`);
    const outs = sizes.map((n) => [x.dtype, x.shape.map((d, i) => (i === a ? n : d))] as [DType, Dim[]]);
    return this.node('Split', [x, this.ints(sizes)], outs, { axis: { i: a } }, { axis: a, sizes });
  }

  expand(x: Tensor, shape: Dim[]): Tensor {
    const out = broadcast('expand', x.shape, shape);
    // where the target repeats x's own dim, 1 suffices at run time (Expand broadcasts), avoiding Shape nodes
    const rt = shape.map((d, i) => {
      const xi = i - (shape.length - x.shape.length);
      return typeof d === 'string' && xi >= 0 && sameDim(d, x.shape[xi]) ? 1 : d;
    });
    return this.one('Expand', [x, this.shapeTensor(rt)], x.dtype, out);
  }

  /** Gather along an axis (embedding lookup with axis 0). Duplicate indices are fine (their gradients add). */
  gather(data: Tensor, indices: Tensor, axis = 0): Tensor {
    if (indices.dtype !== 'int64' && indices.dtype !== 'int32') throw new Error(`gather: indices must be int64/int32, got ${indices.dtype}`);
    const a = normAxis('gather', axis, data.shape.length);
    return this.one('Gather', [data, indices], data.dtype, [...data.shape.slice(0, a), ...indices.shape, ...data.shape.slice(a + 1)], { axis: { i: a } }, { axis: a });
  }

  // ---------- reductions ----------

  private reduce(op: string, name: string, x: Tensor, axes: number[], keepdims: boolean): Tensor {
    const ax = [...new Set(axes.map((a) => normAxis(name, a, x.shape.length)))].sort((p, q) => p - q);
    if (ax.length === 0) throw new Error(`${name}: no axes given`);
    const out = keepdims ? x.shape.map((d, i) => (ax.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !ax.includes(i));
    return this.one(op, [x, this.ints(ax)], x.dtype, out, { keepdims: { i: +keepdims } }, { axes: ax, keepdims });
  }
  reduceSum(x: Tensor, axes: number[], keepdims = false): Tensor { return this.reduce('ReduceSum', 'reduceSum', x, axes, keepdims); }
  reduceMean(x: Tensor, axes: number[], keepdims = false): Tensor { return this.reduce('ReduceMean', 'reduceMean', x, axes, keepdims); }
  reduceMax(x: Tensor, axes: number[], keepdims = false): Tensor { return this.reduce('ReduceMax', 'reduceMax', x, axes, keepdims); }

  softmax(x: Tensor, axis = -1): Tensor {
    const a = normAxis('softmax', axis, x.shape.length);
    return this.one('Softmax', [x], x.dtype, x.shape, { axis: { i: a } }, { axis: a });
  }
  logSoftmax(x: Tensor, axis = -1): Tensor {
    const a = normAxis('logSoftmax', axis, x.shape.length);
    if (this.deviceOps) return comp.logSoftmaxPrimitives(this, x, a);
    return this.one('LogSoftmax', [x], x.dtype, x.shape, { axis: { i: a } }, { axis: a });
  }

  /** LayerNormalization over the last axis (ONNX opset 17+, with its Mean / InvStdDev outputs for the gradient). */
  layerNorm(x: Tensor, scale: Tensor, bias: Tensor, eps: number): Tensor {
    const h = x.shape[x.shape.length - 1];
    for (const [n, t] of [['scale', scale], ['bias', bias]] as const) {
      if (t.shape.length !== 1 || !sameDim(t.shape[0], h)) throw new Error(`layerNorm: ${n} ${fmt(t.shape)} must be [${h}] for input ${fmt(x.shape)}`);
    }
    const stat = [...x.shape.slice(0, -1), 1];
    const sd: DType = x.dtype; // stash_type 1 = float32 statistics; double for float64 graphs
    return this.node('LayerNormalization', [x, scale, bias], [[x.dtype, x.shape], [sd, stat], [sd, stat]],
      { axis: { i: -1 }, epsilon: { f: eps }, stash_type: { i: x.dtype === 'float64' ? 11 : 1 } }, { eps })[0];
  }

  /**
   * Inverted dropout (kept elements scaled by 1 / (1 - rate)); identity in eval. The keep-mask of site k (sites
   * numbered in call order) is elements offset_k .. offset_k + numel(x) - 1 of the micro-step's counter-based
   * stream (train/rng.ts). With masks 'inputs' it is the bool input `dropout_mask_<k>`; with 'in-graph' the graph
   * computes the whole stream once (rngBits) and each site slices its part from inputs `rng/end_<k-1>` .. `rng/end_<k>`.
   */
  dropout(x: Tensor, rate: number): Tensor {
    if (!this.training || rate <= 0) return x;
    if (rate >= 1) throw new Error(`dropout: rate must be in [0, 1), got ${rate}`);
    const k = this.dropoutSites.length;
    if (this.masks === 'inputs') {
      const mask = this.input(`dropout_mask_${k}`, 'bool', [...x.shape]);
      this.dropoutSites.push({ rate, shape: x.shape, mask });
      return this.where(mask, this.mul(x, this.scalar(1 / (1 - rate), x.dtype)), this.scalar(0, x.dtype));
    }
    const keep = this.keepScaled(rate, x.dtype);
    const start = k === 0 ? this.ints([0]) : this.dropoutSites[k - 1].end!;
    const end = this.input(rngEnd(k), 'int64', [1]);
    this.dropoutSites.push({ rate, shape: x.shape, end });
    const part = this.one('Slice', [keep, start, end, this.ints([0])], keep.dtype, [product(x.shape)]);
    // x * (scale or 0): one Mul forward and one backward (no gradient flows into the mask)
    return this.mul(x, this.reshape(part, [...x.shape]));
  }

  /** 1 / (1 - rate) where the stream keeps an element, else 0, over all elements of the micro-step ([RNG_COUNT]). */
  private keepScaled(rate: number, dtype: DType): Tensor {
    const key = `keep:${rate}:${dtype}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const bits = this.rngBits();
    const keep = this.one('GreaterOrEqual', [bits, this.scalar(keepThreshold(rate), 'uint32')], 'bool', bits.shape);
    const t = this.where(keep, this.scalar(1 / (1 - rate), dtype), this.scalar(0, dtype));
    this.cache.set(key, t);
    return t;
  }

  /** keepBits (train/rng.ts) of element indices 0 .. count - 1, in uint32 ops the WebGPU provider runs. */
  private rngBits(): Tensor {
    const hit = this.cache.get('rng:bits');
    if (hit) return hit;
    const count = this.input(RNG_COUNT, 'int32', []);
    const s0 = this.input(RNG_SEED0, 'uint32', []);
    const s1 = this.input(RNG_SEED1, 'uint32', []);
    const idx = this.one('Range', [this.scalar(0, 'int32'), count, this.scalar(1, 'int32')], 'int32', ['dropout_elements']);
    const u = (v: number) => this.scalar(v, 'uint32');
    const rot16 = (v: Tensor) => this.add(this.div(v, u(65536)), this.mul(v, u(65536)));
    const y = this.add(this.mul(this.cast(idx, 'uint32'), u(WEYL)), s0);
    const z = this.add(y, s1);
    let x = rot16(this.add(this.mul(y, y), y));
    x = rot16(this.add(this.mul(x, x), z));
    x = rot16(this.add(this.mul(x, x), y));
    x = this.add(this.mul(x, x), z);
    this.cache.set('rng:bits', x);
    return x;
  }

  // ---------- composites (./composites.ts) ----------
  linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor { return comp.linear(this, x, weight, bias); }
  gelu(x: Tensor): Tensor { return comp.gelu(this, x); }
  geluTanh(x: Tensor): Tensor { return comp.geluTanh(this, x); }
  softmaxCrossEntropy(logits: Tensor, labels: Tensor, classWeights?: Tensor): Tensor { return comp.softmaxCrossEntropy(this, logits, labels, classWeights); }
}

export const ONNX_DTYPE: Record<DType, number> = { float32: 1, int32: 6, int64: 7, bool: 9, float64: 11, uint32: 12 };

function toTyped(v: Values, dtype: DType): ConstantSpec['values'] {
  switch (dtype) {
    case 'float32': return Float32Array.from(v as ArrayLike<number>);
    case 'float64': return Float64Array.from(v as ArrayLike<number>);
    case 'int32': return Int32Array.from(v as ArrayLike<number>);
    case 'uint32': return Uint32Array.from(v as ArrayLike<number>);
    case 'bool': return Uint8Array.from(v as ArrayLike<number>, (x) => (x ? 1 : 0));
    case 'int64': return v instanceof BigInt64Array ? v.slice() : BigInt64Array.from(Array.from(v as ArrayLike<number>, (x) => BigInt(x)));
  }
}
