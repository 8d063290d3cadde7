// Builds the training graph (forward, loss, backward: gradients as outputs) and the evaluation graphs.
import { Graph } from '../ir/graph';
import type { SequenceClassifier, ParamInfo } from '../ir/model';
import type { Node, Tensor } from '../ir/types';
import { grad } from '../autodiff/grad';
import { numel } from '../ir/shape';

export type TrainLayers = 'all' | 'head' | { top: number };

/**
 * Which parameters train: 'all' = every parameter (full fine-tuning), 'head' = only the classifier head
 * (group 'head'), { top: k } = the head plus the top k encoder layers (groups 'layer.<i>', i >= numLayers - k).
 */
export function trainableFilter(model: SequenceClassifier, trainLayers: TrainLayers): (p: ParamInfo) => boolean {
  if (trainLayers === 'all') return () => true;
  if (trainLayers === 'head') return (p) => p.group === 'head';
  if (typeof trainLayers === 'object' && Number.isInteger(trainLayers.top) && trainLayers.top >= 0) {
    const from = model.numLayers - trainLayers.top;
    return (p) => p.group === 'head' || (/^layer\.\d+$/.test(p.group) && Number(p.group.slice(6)) >= from);
  }
  throw new Error(`trainLayers must be 'all', 'head' or { top: k } with an integer k >= 0, got ${JSON.stringify(trainLayers)}`);
}

/**
 * Layer-wise learning-rate decay (ULMFiT, ELECTRA): the factor of the learning rate of each parameter — 1 for the
 * head (classifier, pooler), decay^(L+1-i) for encoder layer i of L (1 = lowest; group 'layer.<i-1>'), and
 * decay^(L+1) for the embeddings (every group below the layers). decay 1 gives 1 everywhere.
 */
export function lrScaleOf(model: SequenceClassifier, decay = 1): (p: ParamInfo) => number {
  if (!(decay > 0 && decay <= 1)) throw new Error(`layerLrDecay must be > 0 and <= 1, got ${decay}`);
  const L = model.numLayers;
  return (p) => {
    if (decay === 1 || p.group === 'head') return 1;
    const layer = /^layer\.(\d+)$/.exec(p.group);
    return decay ** (layer ? L - Number(layer[1]) : L + 1);
  };
}

export interface SparseGrad {
  /** trainable embedding matrix whose gradient comes back as gathered rows + ids */
  name: string;
  parts: { rows: string; ids: string }[];
}

export interface TrainGraph {
  graph: Graph;
  trainable: string[];
  /** params whose full gradient is an output named `grad/<name>` */
  dense: string[];
  sparse: SparseGrad[];
}

export interface TrainGraphOptions {
  trainable: (name: string) => boolean;
  dropout: boolean;
  seed: number;
  classWeights?: number[];
  /** trainable params with at least this many elements, used only as Gather axis-0 tables, return sparse
   *  gradients (rows + ids) instead of a dense [vocab, hidden] gradient; Infinity turns it off. */
  sparseMinElements?: number;
  /** also output `gradSquares`: sums of squares of the dense gradients' rows (last axis), in `dense` order,
   *  computed by onnxruntime while each gradient is still in cache (saves the trainer a pass over them all) */
  gradSquares?: boolean;
}

export function buildTrainGraph(model: SequenceClassifier, o: TrainGraphOptions): TrainGraph {
  const g = new Graph({ training: o.dropout, seed: o.seed });
  const { logits } = model.buildLogits(g, { trainable: o.trainable });
  // One label per logits row (per document for models/docPool.ts, whose rows are not the input rows).
  const labels = g.input('labels', 'int64', [logits.shape[0]]);
  const cw = o.classWeights ? g.constant(o.classWeights, 'float32', [o.classWeights.length]) : undefined;
  const loss = g.softmaxCrossEntropy(logits, labels, cw);
  g.output('loss', loss);

  const params = g.params.filter((p) => p.trainable);
  if (params.length === 0) throw new Error('training: no trainable parameters (check the trainLayers setting)');
  const consumers = new Map<number, Node[]>();
  for (const n of g.nodes) for (const x of n.inputs) if (x) consumers.set(x.id, [...(consumers.get(x.id) ?? []), n]);

  const minSparse = o.sparseMinElements ?? 1 << 20;
  const wrt: Tensor[] = [];
  const dense: string[] = [];
  const sparse: SparseGrad[] = [];
  const sparseWrt: { s: SparseGrad; gathered: Tensor; ids: Tensor }[] = [];
  for (const p of params) {
    const cs = consumers.get(p.tensor.id) ?? [];
    const gathers = cs.length > 0 && cs.every((n) => n.op === 'Gather' && n.meta.axis === 0 && n.inputs[0] === p.tensor);
    if (gathers && numel(p.shape) >= minSparse) {
      const s: SparseGrad = { name: p.tensor.name, parts: [] };
      cs.forEach((n, k) => {
        s.parts.push({ rows: `grows/${s.name}/${k}`, ids: `gids/${s.name}/${k}` });
        sparseWrt.push({ s, gathered: n.outputs[0], ids: n.inputs[1]! });
      });
      sparse.push(s);
    } else {
      dense.push(p.tensor.name);
      wrt.push(p.tensor);
    }
  }
  const grads = grad(g, loss, [...wrt, ...sparseWrt.map((x) => x.gathered)]);
  dense.forEach((name, i) => g.output(`grad/${name}`, grads[i]));
  if (o.gradSquares && dense.length > 0) {
    // per row (last axis) rather than per tensor: onnxruntime sums in float32 sequentially, which over a whole
    // 2.4M-element weight gradient was off by ~5e-4 relative; rows of <= 3072 keep it near float32 rounding,
    // and the trainer adds the rows in float64
    const rows = grads.slice(0, dense.length).map((d) => {
      const shape = d.shape as number[];
      const last = shape.length ? shape[shape.length - 1] : 1;
      const n = shape.reduce((a, b) => a * b, 1) / last;
      return g.node('ReduceSumSquare', [g.reshape(d, [n, last]), g.ints([1])], [[d.dtype, [n]]], { keepdims: { i: 0 } })[0];
    });
    const total = rows.reduce((a, r) => a + (r.shape[0] as number), 0);
    g.output('gradSquares', rows.length === 1 ? rows[0] : g.node('Concat', rows, [[rows[0].dtype, [total]]], { axis: { i: 0 } })[0]);
  }
  let k = 0;
  for (const s of sparse)
    for (const part of s.parts) {
      const { ids } = sparseWrt[k];
      g.output(part.rows, grads[wrt.length + k]);
      g.output(part.ids, ids.dtype === 'int64' ? ids : g.cast(ids, 'int64'));
      k++;
    }
  return { graph: g, trainable: params.map((p) => p.tensor.name), dense, sparse };
}

export function buildEvalGraph(model: SequenceClassifier): Graph {
  const g = new Graph({ training: false });
  g.output('logits', model.buildLogits(g).logits);
  return g;
}

/**
 * Saliency: gradient of the summed predicted-class logit (max over classes) with respect to the token
 * embeddings, reduced per token to its L2 norm and to gradient x input (summed over the hidden axis).
 */
export function buildSaliencyGraph(model: SequenceClassifier): Graph {
  const g = new Graph({ training: false });
  addSaliencyOutputs(g, model);
  return g;
}

/** The saliency outputs (logits, gradNorm, gradXInput) of `model` built into `g` (the device trainer's own graph). */
export function addSaliencyOutputs(g: Graph, model: SequenceClassifier): void {
  const { logits, inputEmbeds } = model.buildLogits(g, { trainable: () => false });
  const top = g.reduceSum(g.reduceMax(logits, [1]), [0]);
  const [d] = grad(g, top, [inputEmbeds]);
  const last = inputEmbeds.shape.length - 1;
  g.output('logits', logits);
  g.output('gradNorm', g.sqrt(g.reduceSum(g.mul(d, d), [last])));
  g.output('gradXInput', g.reduceSum(g.mul(d, inputEmbeds), [last]));
}
