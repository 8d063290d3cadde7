// One reverse-mode gradient rule per primitive ONNX op, written in IR ops. A rule gets the node, the gradients
// of its outputs (null where an output has none) and which inputs need a gradient; it returns one gradient per
// input (null where not needed). Broadcast operands get their gradient summed back to their own shape.
import type { Graph } from '../ir/graph';
import type { Node, Tensor } from '../ir/types';
import { product } from '../ir/shape';

export type Rule = (g: Graph, n: Node, dy: (Tensor | null)[], need: boolean[]) => (Tensor | null)[];

const BIG = 2 ** 62;

/** Sum a broadcast gradient back to `shape` (numpy broadcasting, right-aligned). */
export function reduceTo(g: Graph, d: Tensor, shape: readonly (number | string)[]): Tensor {
  const lead = d.shape.length - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < d.shape.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && d.shape[i] !== 1)) axes.push(i);
  }
  if (axes.length === 0) return d;
  const r = g.reduceSum(d, axes, true);
  return lead > 0
    ? g.squeeze(
        r,
        Array.from({ length: lead }, (_, i) => i),
      )
    : r;
}

/** Sum over all but the last axis as ReduceSum(axis 0) of a [rows, n] view: a bias-like gradient. */
export function rowSum(g: Graph, t: Tensor): Tensor {
  const flat = t.shape.length === 2 ? t : g.reshape(t, [-1, t.shape[t.shape.length - 1]]);
  return g.reduceSum(flat, [0]);
}

const s = (g: Graph, v: number, like: Tensor) => g.scalar(v, like.dtype);
const swapLast = (g: Graph, t: Tensor) => {
  const r = t.shape.length;
  return g.transpose(t, [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2]);
};
const keep = (g: Graph, dy: Tensor, n: Node) => (n.meta.keepdims ? dy : g.unsqueeze(dy, n.meta.axes));
const only = (dy: (Tensor | null)[]) => dy[0]!;

export const rules: Record<string, Rule> = {
  Add: (g, n, dy, need) => {
    const [a, b] = n.inputs as Tensor[];
    return [need[0] ? reduceTo(g, only(dy), a.shape) : null, need[1] ? reduceTo(g, only(dy), b.shape) : null];
  },
  Sub: (g, n, dy, need) => {
    const [a, b] = n.inputs as Tensor[];
    return [need[0] ? reduceTo(g, only(dy), a.shape) : null, need[1] ? reduceTo(g, g.neg(only(dy)), b.shape) : null];
  },
  Mul: (g, n, dy, need) => {
    const [a, b] = n.inputs as Tensor[];
    return [need[0] ? reduceTo(g, g.mul(only(dy), b), a.shape) : null, need[1] ? reduceTo(g, g.mul(only(dy), a), b.shape) : null];
  },
  Div: (g, n, dy, need) => {
    const [a, b] = n.inputs as Tensor[];
    const y = n.outputs[0];
    return [need[0] ? reduceTo(g, g.div(only(dy), b), a.shape) : null, need[1] ? reduceTo(g, g.neg(g.div(g.mul(only(dy), y), b)), b.shape) : null];
  },
  Neg: (g, _n, dy) => [g.neg(only(dy))],
  Exp: (g, n, dy) => [g.mul(only(dy), n.outputs[0])],
  Log: (g, n, dy) => [g.div(only(dy), n.inputs[0]!)],
  Sqrt: (g, n, dy) => [g.div(g.mul(only(dy), s(g, 0.5, n.outputs[0])), n.outputs[0])],
  Tanh: (g, n, dy) => {
    const y = n.outputs[0];
    return [g.mul(only(dy), g.sub(s(g, 1, y), g.mul(y, y)))];
  },
  Erf: (g, n, dy) => {
    // 2/sqrt(pi) e^(-x^2) as e^(ln(2/sqrt(pi)) - x^2): one pass fewer over x than a Neg and a scaling Mul
    const x = n.inputs[0]!;
    return [g.mul(only(dy), g.exp(g.sub(s(g, Math.log(2 / Math.sqrt(Math.PI)), x), g.mul(x, x))))];
  },
  Relu: (g, n, dy) => {
    const x = n.inputs[0]!;
    return [g.where(g.greater(x, s(g, 0, x)), only(dy), s(g, 0, x))];
  },
  Sigmoid: (g, n, dy) => {
    const y = n.outputs[0];
    return [g.mul(only(dy), g.mul(y, g.sub(s(g, 1, y), y)))];
  },
  Pow: (g, n, dy, need) => {
    const x = n.inputs[0]!;
    const p: number = n.meta.exponent;
    if (need[1]) throw new Error('grad: pow has no gradient with respect to its exponent');
    const dp = p === 1 ? s(g, 1, x) : p === 2 ? g.mul(x, s(g, 2, x)) : g.mul(g.pow(x, p - 1), s(g, p, x));
    return [g.mul(only(dy), dp), null];
  },
  Cast: (g, n, dy) => [g.cast(only(dy), n.inputs[0]!.dtype)],
  Where: (g, n, dy, need) => {
    const [c, a, b] = n.inputs as Tensor[];
    const z = s(g, 0, a);
    return [null, need[1] ? reduceTo(g, g.where(c, only(dy), z), a.shape) : null, need[2] ? reduceTo(g, g.where(c, z, only(dy)), b.shape) : null];
  },

  MatMul: (g, n, dy, need) => {
    const [a, b] = n.inputs as Tensor[];
    const d = only(dy);
    const ra = a.shape.length,
      rb = b.shape.length;
    let da: Tensor | null = null,
      db: Tensor | null = null;
    if (need[0]) da = rb === 2 ? g.matmul(d, g.transpose(b, [1, 0])) : reduceTo(g, g.matmul(d, swapLast(g, b)), a.shape);
    if (need[1]) {
      if (rb === 2) {
        // weight gradient: fold the batch dims into one Gemm (A^T dY) instead of a batched matmul + reduction
        const k = a.shape[ra - 1],
          m = d.shape[d.shape.length - 1];
        db = ra === 2 ? g.gemm(a, d, null, { transA: true }) : g.gemm(g.reshape(a, [-1, k]), g.reshape(d, [-1, m]), null, { transA: true });
      } else db = reduceTo(g, g.matmul(swapLast(g, a), d), b.shape);
    }
    return [da, db];
  },
  Gemm: (g, n, dy, need) => {
    const [a, b, c] = n.inputs as (Tensor | undefined)[];
    const d = only(dy);
    const { transA: tA, transB: tB } = n.meta as { transA: boolean; transB: boolean };
    let da: Tensor | null = null,
      db: Tensor | null = null;
    if (need[0]) {
      da = !tA
        ? g.gemm(d, b!, null, { transB: !tB }) // dA = dY op(B)^T
        : g.gemm(b!, d, null, { transA: tB, transB: true }); // A^T: dA = op(B) dY^T
    }
    if (need[1]) {
      db = !tB
        ? g.gemm(a!, d, null, { transA: !tA }) // dB = op(A)^T dY
        : g.gemm(d, a!, null, { transA: true, transB: tA }); // B^T: dB = dY^T op(A)
    }
    return [da, db, c && need[2] ? reduceTo(g, d, c.shape) : null];
  },

  Transpose: (g, n, dy) => {
    const perm: number[] = n.meta.perm;
    const inv = perm.map((_, i) => perm.indexOf(i));
    return [g.transpose(only(dy), inv)];
  },
  Reshape: (g, n, dy) => [g.reshape(only(dy), [...n.inputs[0]!.shape]), null],
  Unsqueeze: (g, n, dy) => [g.squeeze(only(dy), n.meta.axes), null],
  Squeeze: (g, n, dy) => [g.unsqueeze(only(dy), n.meta.axes), null],
  Expand: (g, n, dy) => [reduceTo(g, only(dy), n.inputs[0]!.shape), null],
  Concat: (g, n, dy, need) => {
    const axis: number = n.meta.axis;
    let off = 0;
    return (n.inputs as Tensor[]).map((x, i) => {
      const len = x.shape[axis];
      if (typeof len !== 'number') throw new Error(`grad: concat needs static sizes along axis ${axis} for its gradient, got ${len}`);
      const r = need[i] ? g.slice(only(dy), [off], [off + len], [axis]) : null;
      off += len;
      return r;
    });
  },
  Split: (g, n, dy) => {
    // parts without a gradient contribute zeros
    const parts = n.outputs.map((o, i) => dy[i] ?? g.zeros(o.shape, o.dtype));
    return [parts.length === 1 ? parts[0] : g.concat(parts, n.meta.axis), null];
  },
  Slice: (g, n, dy) => {
    const x = n.inputs[0]!;
    const { starts, ends, axes, steps } = n.meta as Record<string, number[]>;
    if (steps.some((k) => k !== 1)) throw new Error('grad: slice gradient supports step 1 only');
    const before: number[] = [];
    const after: (number | Tensor)[] = [];
    axes.forEach((a, i) => {
      const d = x.shape[a];
      if (typeof d === 'number') {
        const norm = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
        const st = norm(starts[i]),
          en = Math.max(norm(ends[i]), st);
        before.push(st);
        after.push(d - en);
      } else {
        if (starts[i] < 0 || ends[i] < 0) throw new Error(`grad: slice gradient on symbolic dim '${d}' needs non-negative starts/ends`);
        before.push(starts[i]);
        after.push(ends[i] >= BIG / 2 ? 0 : g.node('Sub', [g.dimSize(d), g.ints([ends[i]])], [['int64', [1]]])[0]);
      }
    });
    const pads = after.every((v) => typeof v === 'number')
      ? g.ints([...before, ...(after as number[])])
      : g.node('Concat', [g.ints(before), ...after.map((v) => (typeof v === 'number' ? g.ints([v]) : v))], [['int64', [2 * axes.length]]], {
          axis: { i: 0 },
        })[0];
    const d = only(dy);
    return [g.node('Pad', [d, pads, s(g, 0, d), g.ints(axes)], [[d.dtype, x.shape]])[0], null, null, null, null];
  },
  Gather: (g, n, dy) => {
    const [data, idx] = n.inputs as Tensor[];
    const axis: number = n.meta.axis;
    const ids = g.unsqueeze(idx.dtype === 'int64' ? idx : g.cast(idx, 'int64'), [-1]);
    let d = only(dy);
    const ri = idx.shape.length,
      rd = data.shape.length;
    // ScatterND(reduction=add) at opset 18 accumulates duplicate ids correctly (earlier opsets race).
    if (axis === 0) return [scatterAdd(g, data.shape, ids, d), null];
    // other axes: move the gathered axis first, scatter, move it back
    const perm = [axis, ...Array.from({ length: rd }, (_, i) => i).filter((i) => i !== axis)];
    d = g.transpose(d, [
      ...Array.from({ length: ri }, (_, i) => axis + i),
      ...Array.from({ length: axis }, (_, i) => i),
      ...Array.from({ length: d.shape.length - axis - ri }, (_, i) => axis + ri + i),
    ]);
    const moved = scatterAdd(
      g,
      perm.map((p) => data.shape[p]),
      ids,
      d,
    );
    return [
      g.transpose(
        moved,
        perm.map((_, i) => perm.indexOf(i)),
      ),
      null,
    ];
  },

  ReduceSum: (g, n, dy) => [g.expand(keep(g, only(dy), n), [...n.inputs[0]!.shape]), null],
  ReduceMean: (g, n, dy) => {
    const x = n.inputs[0]!;
    const cnt = product((n.meta.axes as number[]).map((a) => x.shape[a]));
    const c = typeof cnt === 'number' ? s(g, cnt, x) : g.cast(g.dimSize(cnt), x.dtype);
    return [g.expand(g.div(keep(g, only(dy), n), c), [...x.shape]), null];
  },
  ReduceMax: (g, n, dy) => {
    // ties share the gradient evenly, like torch.amax
    const x = n.inputs[0]!;
    const y = n.meta.keepdims ? n.outputs[0] : g.unsqueeze(n.outputs[0], n.meta.axes);
    const mask = g.cast(g.equal(x, y), x.dtype);
    const cnt = g.reduceSum(mask, n.meta.axes, true);
    return [g.mul(mask, g.div(keep(g, only(dy), n), cnt)), null];
  },
  Softmax: (g, n, dy) => {
    const y = n.outputs[0];
    const d = only(dy);
    return [g.mul(y, g.sub(d, g.reduceSum(g.mul(d, y), [n.meta.axis], true)))];
  },
  LogSoftmax: (g, n, dy) => {
    const d = only(dy);
    return [g.sub(d, g.mul(g.exp(n.outputs[0]), g.reduceSum(d, [n.meta.axis], true)))];
  },
  LayerNormalization: (g, n, dy, need) => {
    if (dy[1] || dy[2]) throw new Error('grad: layerNorm mean/invStdDev outputs are not differentiable');
    const [x, scale] = n.inputs as Tensor[];
    const [, mean, inv] = n.outputs;
    return layerNormGrad(g, only(dy), x, scale, n.meta.eps, need, { mean, inv });
  },
  // com.microsoft SkipLayerNormalization (Graph.skipLayerNorm under deviceOps): LayerNormalization of a + b, whose
  // sum (its output 3, here the node's second output) the backward normalizes again
  SkipLayerNormalization: (g, n, dy, need) => {
    if (dy[1]) throw new Error('grad: the sum output of skipLayerNorm is not differentiable');
    const [, , scale] = n.inputs as Tensor[];
    const [dx, dscale, dbias] = layerNormGrad(g, only(dy), n.outputs[1], scale, n.meta.eps, [need[0] || need[1], need[2], need[3]]);
    return [need[0] ? dx : null, need[1] ? dx : null, dscale, dbias];
  },
};

function scatterAdd(g: Graph, shape: readonly (number | string)[], ids: Tensor, updates: Tensor): Tensor {
  return g.node('ScatterND', [g.zeros(shape, updates.dtype), ids, updates], [[updates.dtype, shape]], { reduction: { s: 'add' } })[0];
}

/**
 * LayerNormalization backward for the gradient d of y = LN(x) * scale + bias: [dx, dscale, dbias] (null where
 * `need` is false). `stats` are the forward's mean and 1/std; Graph.deviceOps recomputes them with x-hat in one
 * LayerNormalization kernel instead.
 */
function layerNormGrad(g: Graph, d: Tensor, x: Tensor, scale: Tensor, eps: number, need: boolean[], stats?: { mean: Tensor; inv: Tensor }): (Tensor | null)[] {
  const h = scale.shape[0];
  let xhat: Tensor, inv: Tensor;
  if ((g.deviceOps && typeof h === 'number') || !stats) {
    // x-hat in one kernel (LayerNormalization with scale 1, bias 0) instead of a Sub and a Mul
    if (typeof h !== 'number') throw new Error(`grad: layerNorm over a symbolic last dim ${h}`);
    const [y, , s] = g.node(
      'LayerNormalization',
      [x, g.full(1, x.dtype, [h]), g.full(0, x.dtype, [h])],
      [
        [x.dtype, x.shape],
        [x.dtype, [...x.shape.slice(0, -1), 1]],
        [x.dtype, [...x.shape.slice(0, -1), 1]],
      ],
      { axis: { i: -1 }, epsilon: { f: eps }, stash_type: { i: x.dtype === 'float64' ? 11 : 1 } },
      { eps },
    );
    xhat = y;
    inv = s;
  } else {
    xhat = g.mul(g.sub(x, stats.mean), stats.inv);
    inv = stats.inv;
  }
  // Graph.deviceOps: the scale / bias gradients as a sum over the rows of a [rows, h] view (rowSum), a form the
  // device step graph (../devices/stepGraph.ts) gathers into one MatMul for many parameters
  const toScale = (t: Tensor) => (g.deviceOps ? rowSum(g, t) : reduceTo(g, t, scale.shape));
  let dx: Tensor | null = null;
  if (need[0]) {
    const dxhat = g.mul(d, scale);
    const m1 = g.reduceMean(dxhat, [-1], true);
    const m2 = g.reduceMean(g.mul(dxhat, xhat), [-1], true);
    dx = g.mul(inv, g.sub(g.sub(dxhat, m1), g.mul(xhat, m2)));
  }
  return [dx, need[1] ? toScale(g.mul(d, xhat)) : null, need[2] ? toScale(d) : null];
}
