// Reverse-mode autodiff at graph-build time: grad() appends the backward ops to the same graph.
import type { Graph } from '../ir/graph';
import type { Node, Tensor } from '../ir/types';
import { isFloat } from '../ir/types';
import { fmt, isStatic, numel, sameDim } from '../ir/shape';
import { rules } from './rules';

export interface GradOptions {
  /** gradient of the loss to start from (default: ones; the loss must then have one element) */
  seed?: Tensor;
}

/**
 * Gradients of `loss` with respect to each tensor in `wrt` (params, inputs or intermediates), as new tensors of
 * the same graph. Only nodes on a path from `wrt` to `loss` get backward ops; integer/bool paths carry none.
 * A tensor with several consumers gets the sum of their gradients. A wrt tensor that does not influence the
 * loss gets zeros.
 */
export function grad(g: Graph, loss: Tensor, wrt: Tensor[], opts: GradOptions = {}): Tensor[] {
  if (!isFloat(loss.dtype)) throw new Error(`grad: loss must be a float tensor, got ${loss.dtype}`);
  let seed = opts.seed;
  if (!seed) {
    if (!isStatic(loss.shape) || numel(loss.shape) !== 1)
      throw new Error(`grad: loss must have one element, got ${fmt(loss.shape)} (pass a seed gradient otherwise)`);
    seed =
      loss.shape.length === 0 ? g.scalar(1, loss.dtype) : g.constant(Array(numel(loss.shape as number[])).fill(1), loss.dtype, [...loss.shape] as number[]);
  }

  // tensors that depend on wrt (forward), then nodes that also lead to the loss (backward)
  const dep = new Set(wrt.map((t) => t.id));
  for (const n of g.nodes) if (n.inputs.some((x) => x && dep.has(x.id))) for (const o of n.outputs) if (isFloat(o.dtype)) dep.add(o.id);
  if (!dep.has(loss.id)) return wrt.map((t) => g.zeros(t.shape, t.dtype));

  const contrib = new Map<number, Tensor[]>([[loss.id, [seed]]]);
  const live = new Set([loss.id]);
  const path: Node[] = [];
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (!n.outputs.some((o) => live.has(o.id))) continue;
    path.push(n);
    for (const x of g.customGrads.get(n.id)?.inputs ?? n.inputs) if (x && isFloat(x.dtype) && dep.has(x.id)) live.add(x.id);
  }

  const total = (t: Tensor): Tensor | null => {
    const c = contrib.get(t.id);
    if (!c || c.length === 0) return null;
    const sum = g.deviceOps ? sumIntoGemms(g, c, t) : c.reduce((a, b) => g.add(a, b));
    contrib.set(t.id, [sum]);
    return sum;
  };

  for (const n of path) {
    const dy = n.outputs.map(total);
    if (dy.every((d) => d === null)) continue;
    const custom = g.customGrads.get(n.id);
    const inputs = custom ? custom.inputs : n.inputs;
    const need = inputs.map((x) => !!x && isFloat(x.dtype) && dep.has(x.id));
    if (!need.some(Boolean)) continue;
    const rule = rules[n.op];
    if (!rule && !custom)
      throw new Error(
        `grad: no gradient rule for op '${n.op}' (node ${n.id}, output '${n.outputs[0].name}' ${fmt(n.outputs[0].shape)}); add one in src/engine/autodiff/rules.ts`,
      );
    const dx = custom ? custom.rule(g, dy[0]!) : rule(g, n, dy, need);
    inputs.forEach((x, i) => {
      if (!x || !need[i]) return;
      const d = dx[i];
      if (!d) throw new Error(`grad: ${custom ? 'custom gradient' : 'rule'} for '${n.op}' gave no gradient for input ${i} ('${x.name}')`);
      if (d.shape.length !== x.shape.length || d.shape.some((v, j) => !sameDim(v, x.shape[j]))) {
        throw new Error(`grad: rule for '${n.op}' gave ${fmt(d.shape)} for input '${x.name}' ${fmt(x.shape)}`);
      }
      const list = contrib.get(x.id) ?? [];
      list.push(d);
      contrib.set(x.id, list);
    });
  }
  return wrt.map((t) => total(t) ?? g.zeros(t.shape, t.dtype));
}

/**
 * Graph.deviceOps: the sum of several gradient contributions with each Gemm among them (a Gemm without bias, or a
 * Reshape of one) given the sum of the others as its C input, a chain of Gemms instead of Gemms and Adds (one
 * kernel fewer per Gemm; the replaced Gemms are unused and left out of the model).
 */
function sumIntoGemms(g: Graph, c: Tensor[], t: Tensor): Tensor {
  const gemmOf = (x: Tensor): Node | undefined => {
    let n = g.producer.get(x.id);
    if (n?.op === 'Reshape') n = g.producer.get(n.inputs[0]!.id);
    return n?.op === 'Gemm' && n.inputs.length === 2 && n.outputs[0].dtype === x.dtype ? n : undefined;
  };
  const gemms = c.filter((x) => gemmOf(x));
  const others = c.filter((x) => !gemmOf(x));
  let acc = others.length ? others.reduce((a, b) => g.add(a, b)) : undefined;
  for (const x of gemms) {
    if (!acc) {
      acc = x;
      continue;
    }
    const n = gemmOf(x)!;
    const [a, b] = n.inputs as Tensor[];
    const out = n.outputs[0];
    const cIn = acc.shape.length === out.shape.length && acc.shape.every((d, i) => sameDim(d, out.shape[i])) ? acc : g.reshape(acc, [...out.shape]);
    const y = g.gemm(a, b, cIn, { transA: !!n.meta.transA, transB: !!n.meta.transB });
    acc = sameDim(y.shape.length, t.shape.length) && y.shape.every((d, i) => sameDim(d, t.shape[i])) ? y : g.reshape(y, [...t.shape]);
  }
  return acc!;
}
