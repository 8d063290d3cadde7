// The model's trainable parameters as views of the step graph's flat buffer (./stepGraph.ts): Split chains, joint
// slots (Graph.joint) and stacks of same-kind weights.
import type { Graph } from '../ir/graph';
import type { Tensor } from '../ir/types';
import type { FlatEntry, FlatGroup } from './stepGraph';

export const flatName = (kind: 'param' | 'adam_m' | 'adam_v', group: FlatGroup['name']): string => `flat/${kind}/${group}`;
/** Where a parameter is in its layer: its name without layer numbers (".3." -> ".#."). */
export const kindOf = (names: readonly string[]): string => names.map((n) => n.replace(/\.\d+\./g, '.#.')).join('|');

/**
 * Outputs per Split of a flat buffer: WebGPU binds each output (and the input) as a storage buffer; lavapipe allows
 * 16 per shader stage, and 8 is WebGPU's default limit.
 */
const SPLIT_OUTPUTS = 7;

/** Consecutive parameters of a flat buffer read as one tensor (a joint, Graph.joint), or one parameter. */
export interface FlatSlot {
  entries: FlatEntry[];
  size: number;
  tensor: Tensor;
}

/**
 * Makes the model's trainable parameters views of the flat buffer inputs of `groups`: a chain of Splits, each
 * cutting off up to SPLIT_OUTPUTS slots and passing the rest of the buffer on (one kernel per ~7 parameters
 * instead of one Slice each), every part reshaped to its parameter's shape. Each of `joints` (Graph.joint: groups
 * of parameters a model reads stacked along axis 0) whose parameters are consecutive in one buffer and agree in
 * their other dims is one slot, registered with Graph.jointView; its parameters' own views are a Split of it
 * (left out of the model where unused). Gradients are taken with respect to the slots' tensors.
 */
export function viewFlatParams(
  g: Graph,
  groups: readonly FlatGroup[],
  joints: readonly string[][] = [],
): { flat: Map<string, Tensor>; slots: Map<FlatGroup['name'], FlatSlot[]> } {
  const flat = new Map<string, Tensor>();
  const slots = new Map<FlatGroup['name'], FlatSlot[]>();
  const sizeOf = (es: readonly FlatEntry[]) => es.reduce((a, e) => a + e.size, 0);
  for (const gr of groups) {
    const buf = g.input(flatName('param', gr.name), 'float32', [gr.size]);
    flat.set(gr.name, buf);
    // units: a joint or one parameter; slots: a unit, or a stack of >= STACK_MIN matrices of one kind
    const units: FlatEntry[][] = [];
    for (let i = 0; i < gr.entries.length;) {
      const j = joints.find(
        (names) =>
          names.length > 1 &&
          names.every((n, k) => gr.entries[i + k]?.param === n) &&
          names.every((_, k) => String(gr.entries[i + k].shape.slice(1)) === String(gr.entries[i].shape.slice(1))),
      );
      const n = j ? j.length : 1;
      units.push(gr.entries.slice(i, i + n));
      i += n;
    }
    const shapeOf = (u: FlatEntry[]) => [u.reduce((a, e) => a + e.shape[0], 0), ...u[0].shape.slice(1)];
    const key = (u: FlatEntry[]) => (u[0].decay && u[0].shape.length === 2 ? `${kindOf(u.map((e) => e.param))}:${shapeOf(u)}` : undefined);
    const plan: FlatEntry[][][] = [];
    for (let i = 0; i < units.length;) {
      let j = i + 1;
      const k = key(units[i]);
      while (k !== undefined && j < units.length && key(units[j]) === k) j++;
      if (j - i >= STACK_MIN) plan.push(units.slice(i, j));
      else for (let m = i; m < j; m++) plan.push([units[m]]);
      i = j;
    }
    const made: FlatSlot[] = [];
    let rest = buf;
    let restSize = gr.size;
    for (let i = 0; i < plan.length;) {
      let take = plan.slice(i, i + SPLIT_OUTPUTS);
      const last = i + take.length === plan.length;
      // the rest of the buffer (later parameters, or the padding) is one more output
      if (!last && take.length === SPLIT_OUTPUTS) take = take.slice(0, -1);
      const used = take.reduce((a, us) => a + sizeOf(us.flat()), 0);
      const tail = restSize - used;
      const parts = take.length === 1 && tail === 0 ? [rest] : g.split(rest, [...take.map((us) => sizeOf(us.flat())), ...(tail > 0 ? [tail] : [])], 0);
      take.forEach((us, k) => made.push(us.length === 1 ? unitView(g, us[0], parts[k]) : stackView(g, us, shapeOf(us[0]), parts[k])));
      i += take.length;
      if (tail > 0) {
        rest = parts[take.length];
        restSize = tail;
      }
    }
    slots.set(gr.name, made);
  }
  return { flat, slots };
}

/** Stacks of fewer matrices are not worth their two Splits. */
const STACK_MIN = 3;

/** The views of one unit (a parameter, or a joint and its parameters) made of `t` (its part of the buffer). */
function unitView(g: Graph, es: FlatEntry[], t: Tensor, shape?: number[]): FlatSlot {
  if (es.length === 1) {
    const v = shape ? t : g.reshape(t, es[0].shape);
    g.paramView(es[0].param, v);
    return { entries: es, size: es[0].size, tensor: v };
  }
  const rows = es.map((e) => e.shape[0]);
  const joint = shape ? t : g.reshape(t, [rows.reduce((a, b) => a + b, 0), ...es[0].shape.slice(1)]);
  g.jointView(
    es.map((e) => e.param),
    joint,
  );
  g.split(joint, rows, 0).forEach((v, m) => g.paramView(es[m].param, v));
  return { entries: es, size: es.reduce((a, e) => a + e.size, 0), tensor: joint };
}

/**
 * A stack of k matrices of one kind and shape [r, c] (the same weight of k layers): [k, r, c] split into the
 * matrices, and ONE Transpose to [k, c, r] split into their transposes (Graph.knownTranspose: what a linear layer's
 * forward reads), where each matrix would need its own Transpose. The gradient is taken for the stack.
 */
function stackView(g: Graph, units: FlatEntry[][], shape: number[], t: Tensor): FlatSlot {
  const k = units.length;
  const stack = g.reshape(t, [k, ...shape]);
  const ones = Array(k).fill(1);
  const mats = g.split(stack, ones, 0).map((m) => g.squeeze(m, [0]));
  // split as [k, c*r]: onnxruntime's transpose optimizer would move the Transpose past a Split of it (one per part)
  const [r, c] = shape;
  const trans = g.split(g.reshape(g.transpose(stack, [0, 2, 1]), [k, c * r]), ones, 0).map((m) => g.reshape(m, [c, r]));
  units.forEach((u, l) => {
    g.knownTranspose(mats[l], trans[l]);
    unitView(g, u, mats[l], shape);
  });
  const entries = units.flat();
  return { entries, size: entries.reduce((a, e) => a + e.size, 0), tensor: stack };
}
