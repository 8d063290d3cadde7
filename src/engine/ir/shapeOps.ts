// The shape ops of the graph builder (Graph.transpose ... Graph.gather delegate here): each emits one ONNX node
// (plus int64 constants for its axes/shape inputs) after checking its operands and inferring the output shape at
// build time; their gradient rules are in ../autodiff/rules.ts.
import type { Graph } from './graph';
import type { DType, Dim, Tensor } from './types';
import { broadcast, divide, fmt, normAxis, product, sameDim } from './shape';

const BIG = 2 ** 62; // slice 'to the end' sentinel (ONNX clamps)

export function transpose(g: Graph, x: Tensor, perm: number[]): Tensor {
  const r = x.shape.length;
  if (perm.length !== r || [...perm].sort((p, q) => p - q).some((p, i) => p !== i))
    throw new Error(`transpose: perm [${perm}] is not a permutation of rank ${r} (shape ${fmt(x.shape)})`);
  if (g.deviceOps) {
    // a matrix whose transpose the graph already has (Graph.knownTranspose)
    const known = r === 2 && perm[0] === 1 ? g.transposeOf(x) : undefined;
    if (known) return known;
    // a Transpose of a Transpose is one Transpose (none when they cancel): one kernel fewer, the same values
    const inner = g.producer.get(x.id);
    if (inner?.op === 'Transpose') {
      const p0: number[] = inner.meta.perm;
      const composed = perm.map((p) => p0[p]);
      const src = inner.inputs[0]!;
      return composed.every((p, i) => p === i) ? src : g.transpose(src, composed);
    }
    // the last two axes of a MatMul product swapped: (A B)^T = B^T A^T, whose transposes may cancel in turn
    if (inner?.op === 'MatMul' && r >= 2 && perm.every((p, i) => (i < r - 2 ? p === i : p === (i === r - 1 ? r - 2 : r - 1)))) {
      const [a, b] = inner.inputs as Tensor[];
      if (a.shape.length === r && b.shape.length === r) {
        const swap = [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2];
        return g.matmul(g.transpose(b, swap), g.transpose(a, swap));
      }
    }
  }
  return g.one(
    'Transpose',
    [x],
    x.dtype,
    perm.map((p) => x.shape[p]),
    { perm: { ints: perm } },
    { perm },
  );
}

export function reshape(g: Graph, x: Tensor, shape: Dim[]): Tensor {
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
  return g.one('Reshape', [x, g.shapeTensor(rt)], x.dtype, out, {}, { shape: out });
}

export function unsqueeze(g: Graph, x: Tensor, axes: number[]): Tensor {
  const r = x.shape.length + axes.length;
  const ax = axes.map((a) => normAxis('unsqueeze', a, r)).sort((p, q) => p - q);
  const out: Dim[] = [];
  let j = 0;
  for (let i = 0; i < r; i++) out.push(ax.includes(i) ? 1 : x.shape[j++]);
  return g.one('Unsqueeze', [x, g.ints(ax)], x.dtype, out, {}, { axes: ax });
}

export function squeeze(g: Graph, x: Tensor, axes: number[]): Tensor {
  const ax = axes.map((a) => normAxis('squeeze', a, x.shape.length)).sort((p, q) => p - q);
  for (const a of ax) if (x.shape[a] !== 1) throw new Error(`squeeze: axis ${a} of ${fmt(x.shape)} is not 1`);
  return g.one(
    'Squeeze',
    [x, g.ints(ax)],
    x.dtype,
    x.shape.filter((_, i) => !ax.includes(i)),
    {},
    { axes: ax },
  );
}

export function concat(g: Graph, xs: Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error('concat: no tensors');
  const r = xs[0].shape.length;
  const a = normAxis('concat', axis, r);
  for (const x of xs) {
    if (x.dtype !== xs[0].dtype) throw new Error(`concat: dtype mismatch ${xs[0].dtype} vs ${x.dtype}`);
    if (x.shape.length !== r || x.shape.some((d, i) => i !== a && !sameDim(d, xs[0].shape[i])))
      throw new Error(`concat: shapes differ off axis ${a}: ${xs.map((t) => fmt(t.shape)).join(', ')}`);
  }
  const along = xs.map((x) => x.shape[a]);
  const sum: Dim = along.every((d) => typeof d === 'number') ? (along as number[]).reduce((p, q) => p + q, 0) : along.join('+');
  const out = [...xs[0].shape];
  out[a] = sum;
  return g.one('Concat', xs, xs[0].dtype, out, { axis: { i: a } }, { axis: a });
}

export function slice(g: Graph, x: Tensor, starts: number[], ends: number[], axes: number[], steps?: number[]): Tensor {
  const st = steps ?? starts.map(() => 1);
  if (starts.length !== ends.length || starts.length !== axes.length || st.length !== axes.length)
    throw new Error('slice: starts, ends, axes (and steps) must have equal lengths');
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
    else if (k === 1 && s >= 0 && e >= 0 && e < BIG / 2)
      out[a] = e - s; // assumes the symbolic dim is >= end
    else out[a] = `${d}[${s}:${e}:${k}]`;
  });
  return g.one('Slice', [x, g.ints(starts), g.ints(ends), g.ints(ax), g.ints(st)], x.dtype, out, {}, { starts, ends, axes: ax, steps: st });
}

/** ONNX Split along `axis` into static `sizes` (summing to the axis length): one kernel for all the parts. */
export function split(g: Graph, x: Tensor, sizes: number[], axis: number): Tensor[] {
  const a = normAxis('split', axis, x.shape.length);
  const total = sizes.reduce((p, q) => p + q, 0);
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`split: sizes must be positive integers, got [${sizes}]`);
  if (typeof x.shape[a] === 'number' ? x.shape[a] !== total : true)
    throw new Error(`split: sizes [${sizes}] (sum ${total}) do not cover axis ${a} of ${fmt(x.shape)}`);
  const outs = sizes.map((n) => [x.dtype, x.shape.map((d, i) => (i === a ? n : d))] as [DType, Dim[]]);
  return g.node('Split', [x, g.ints(sizes)], outs, { axis: { i: a } }, { axis: a, sizes });
}

export function expand(g: Graph, x: Tensor, shape: Dim[]): Tensor {
  const out = broadcast('expand', x.shape, shape);
  // where the target repeats x's own dim, 1 suffices at run time (Expand broadcasts), avoiding Shape nodes
  const rt = shape.map((d, i) => {
    const xi = i - (shape.length - x.shape.length);
    return typeof d === 'string' && xi >= 0 && sameDim(d, x.shape[xi]) ? 1 : d;
  });
  return g.one('Expand', [x, g.shapeTensor(rt)], x.dtype, out);
}

/** Gather along an axis (embedding lookup with axis 0). Duplicate indices are fine (their gradients add). */
export function gather(g: Graph, data: Tensor, indices: Tensor, axis = 0): Tensor {
  if (indices.dtype !== 'int64' && indices.dtype !== 'int32') throw new Error(`gather: indices must be int64/int32, got ${indices.dtype}`);
  const a = normAxis('gather', axis, data.shape.length);
  return g.one(
    'Gather',
    [data, indices],
    data.dtype,
    [...data.shape.slice(0, a), ...indices.shape, ...data.shape.slice(a + 1)],
    { axis: { i: a } },
    { axis: a },
  );
}
