// Inference-graph export: the eval-mode graph of a SequenceClassifier (dropout is identity) as a standalone ONNX
// model whose parameters are initializers, ready for onnxruntime or transformers.js. The engine's writer makes
// parameters graph inputs (so training can feed its own arrays); this pass turns them into initializers on the
// ModelProto, so nothing in the Graph IR has to change.
import { onnx } from 'onnx-proto';
import { Graph } from '../ir/graph';
import type { SequenceClassifier } from '../ir/model';
import { toModelProto } from '../onnx/writer';

const FLOAT = onnx.TensorProto.DataType.FLOAT;

export interface InferenceModelOptions {
  /** Extra graph outputs besides 'logits' (e.g. the starter model's sentence embedding). */
  extraOutputs?: (g: Graph) => Record<string, import('../ir/types').Tensor>;
  /** Key/value pairs stored in the model's metadata_props (labels, source run, ...). */
  metadata?: Record<string, string>;
}

/**
 * The classifier's eval graph with `weights` baked in: inputs are the model's inputNames (int64 [batch, seq]),
 * the output is 'logits' float32 [batch, numLabels]. Every parameter the graph uses must be in `weights`.
 */
export function buildInferenceModel(model: SequenceClassifier, weights: ReadonlyMap<string, Float32Array>, opts: InferenceModelOptions = {}): onnx.ModelProto {
  const g = new Graph({ training: false });
  const { logits } = model.buildLogits(g, { trainable: () => false });
  g.output('logits', logits);
  for (const [name, t] of Object.entries(opts.extraOutputs?.(g) ?? {})) g.output(name, t);
  const proto = toModelProto(g);
  bakeWeights(
    proto,
    weights,
    g.params.map((p) => ({ name: p.tensor.name, shape: p.shape })),
  );
  setOutputShape(proto, 'logits', ['batch', model.numLabels]);
  proto.docString = `${model.architecture} sequence classifier (${model.numLabels} labels), exported by guided-finetune`;
  proto.metadataProps = Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value }));
  return proto;
}

/**
 * Replaces graph inputs that are parameters by float32 initializers holding their values (in place).
 * `params` gives the expected shape of each; a missing or mis-sized weight is an error naming it.
 */
export function bakeWeights(
  proto: onnx.IModelProto,
  weights: ReadonlyMap<string, Float32Array>,
  params: readonly { name: string; shape: readonly number[] }[],
): void {
  const graph = proto.graph!;
  const shapes = new Map(params.map((p) => [p.name, p.shape]));
  const keep: onnx.IValueInfoProto[] = [];
  const inits: onnx.ITensorProto[] = [...(graph.initializer ?? [])];
  for (const input of graph.input ?? []) {
    const shape = shapes.get(input.name!);
    if (!shape) {
      keep.push(input);
      continue;
    }
    const data = weights.get(input.name!);
    const n = shape.reduce((a, b) => a * b, 1);
    if (!data) throw new Error(`export: no weight for parameter '${input.name}' [${shape}]; pass the trained weights of every parameter`);
    if (data.length !== n) throw new Error(`export: weight '${input.name}' has ${data.length} values, the model needs [${shape}] = ${n}`);
    inits.push(floatTensor(input.name!, [...shape], data));
  }
  graph.input = keep;
  graph.initializer = inits;
}

export function floatTensor(name: string, dims: number[], data: Float32Array): onnx.ITensorProto {
  return { name, dataType: FLOAT, dims, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Gives a graph output a declared shape (the writer only declares element types). */
export function setOutputShape(proto: onnx.IModelProto, name: string, dims: (number | string)[]): void {
  const out = proto.graph!.output!.find((o) => o.name === name);
  if (!out) throw new Error(`export: the model has no output '${name}'`);
  out.type!.tensorType!.shape = { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
}

/** Serialises a ModelProto (protobuf bytes, the .onnx file format). */
export function encodeModel(proto: onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(proto).finish();
}

export function decodeModel(bytes: Uint8Array): onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
