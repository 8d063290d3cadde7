// Serialises a Graph to an ONNX ModelProto (ai.onnx opset 18, IR version 8) with the protobufjs-generated
// onnx-proto classes. Parameters and dropout masks are graph inputs (fed per run, wrapped without copying by
// onnxruntime); constants are initializers. Nodes that no output needs are left out.
import { onnx } from 'onnx-proto';
import type { Graph } from '../ir/graph';
import { ONNX_DTYPE } from '../ir/types';
import type { Attr, Dim, Tensor } from '../ir/types';

export const OPSET = 18;
export const MS_DOMAIN = 'com.microsoft';
export const IR_VERSION = 8;

export interface Serialized {
  bytes: Uint8Array;
  /** graph inputs in order (user inputs, params and dropout masks that the outputs depend on) */
  inputNames: string[];
  outputNames: string[];
}

export function toModelProto(g: Graph): onnx.ModelProto {
  if (g.outputs.length === 0) throw new Error('onnx: the graph has no outputs (call g.output(name, tensor))');
  // keep only what the outputs need
  const needed = new Set<number>();
  const stack = g.outputs.map((o) => o.tensor.id);
  while (stack.length) {
    const id = stack.pop()!;
    if (needed.has(id)) continue;
    needed.add(id);
    const n = g.producer.get(id);
    if (n) for (const x of n.inputs) if (x) stack.push(x.id);
  }
  const nodes = g.nodes.filter((n) => n.outputs.some((o) => needed.has(o.id)));
  for (const n of nodes) for (const o of n.outputs) needed.add(o.id);

  const outNames = new Set<string>();
  const identities: onnx.INodeProto[] = [];
  const outputs: onnx.IValueInfoProto[] = g.outputs.map(({ name, tensor }) => {
    // Graph outputs get their requested names through an Identity, so one tensor can be exposed twice
    // and an input can be an output.
    outNames.add(name);
    identities.push({ opType: 'Identity', input: [tensor.name], output: [name], name: `out_${name}` });
    return { name, type: { tensorType: { elemType: ONNX_DTYPE[tensor.dtype] } } };
  });

  const feeds: Tensor[] = [...g.inputs, ...g.params.map((p) => p.tensor)].filter((t) => needed.has(t.id));
  for (const t of feeds) if (outNames.has(t.name)) throw new Error(`onnx: output name '${t.name}' collides with an input`);

  const graph: onnx.IGraphProto = {
    name: 'gft',
    node: [
      ...nodes.map((n) => ({
        opType: n.op,
        ...(n.meta.domain ? { domain: n.meta.domain as string } : {}),
        name: `n${n.id}_${n.op}`,
        input: n.inputs.map((x) => (x ? x.name : '')),
        // meta.outputSlots: the ONNX output position of each output (the others are left empty)
        output: n.meta.outputSlots
          ? slotted(
              n.outputs.map((o) => o.name),
              n.meta.outputSlots as number[],
            )
          : n.outputs.map((o) => o.name),
        attribute: Object.entries(n.attrs).map(([k, v]) => attr(k, v)),
      })),
      ...identities,
    ],
    initializer: g.constants
      .filter((c) => needed.has(c.tensor.id))
      .map((c) => ({
        name: c.tensor.name,
        dataType: ONNX_DTYPE[c.tensor.dtype],
        dims: c.tensor.shape as number[],
        rawData: new Uint8Array(c.values.buffer, c.values.byteOffset, c.values.byteLength),
      })),
    input: feeds.map((t) => ({ name: t.name, type: { tensorType: { elemType: ONNX_DTYPE[t.dtype], shape: { dim: t.shape.map(dim) } } } })),
    output: outputs,
  };
  return onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'guided-finetune',
    // contrib ops (Graph.deviceOps' SkipLayerNormalization) are in onnxruntime's com.microsoft domain
    opsetImport: [{ domain: '', version: OPSET }, ...(nodes.some((n) => n.meta.domain === MS_DOMAIN) ? [{ domain: MS_DOMAIN, version: 1 }] : [])],
    graph,
  });
}

export function serialize(g: Graph): Serialized {
  const model = toModelProto(g);
  return {
    bytes: onnx.ModelProto.encode(model).finish(),
    inputNames: (model.graph!.input ?? []).map((i) => i.name!),
    outputNames: g.outputs.map((o) => o.name),
  };
}

function dim(d: Dim): onnx.TensorShapeProto.IDimension {
  return typeof d === 'number' ? { dimValue: d } : { dimParam: d };
}

function attr(name: string, a: Attr): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('i' in a) return { name, type: T.INT, i: a.i };
  if ('f' in a) return { name, type: T.FLOAT, f: a.f };
  if ('ints' in a) return { name, type: T.INTS, ints: [...a.ints] };
  if ('floats' in a) return { name, type: T.FLOATS, floats: [...a.floats] };
  return { name, type: T.STRING, s: new TextEncoder().encode(a.s) };
}

function slotted(names: string[], slots: number[]): string[] {
  const out: string[] = Array(Math.max(...slots) + 1).fill('');
  slots.forEach((slot, i) => {
    out[slot] = names[i];
  });
  return out;
}
