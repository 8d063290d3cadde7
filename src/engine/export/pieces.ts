// The per-piece classifier of a document-pooling run (long-text 'sentence-mean', models/docPool.ts), for export.
// A DocPoolClassifier computes head(headScale * mean over pieces of pooled(piece)); its head is linear, so that
// equals the mean over pieces of head(headScale * pooled(piece)), which is what the trainer's own evaluation
// computes (doc_pool = identity, then the pieces' logits averaged per document). This model is that per-piece
// part: inputs are ordinary int64 [batch, seq] rows (one sentence each), logits [batch, numLabels] — a standard
// text-classification graph that onnxruntime and transformers.js run; the caller averages a document's rows.
// It is NOT the inner model's buildLogits: a BERT-family head reads [CLS] through the pooler, while document
// pooling reads the masked token mean (buildPooled).
import type { Graph } from '../ir/graph';
import type { ParamInfo, SequenceClassifier } from '../ir/model';
import type { Tensor } from '../ir/types';
import { declareParams, type BuildOpts } from '../models/common';
import type { PoolingClassifier } from '../models/docPool';

export class PieceClassifier implements SequenceClassifier {
  readonly architecture: string;
  readonly numLabels: number;
  readonly numLayers: number;
  readonly inputNames: string[];
  readonly params: ParamInfo[];
  readonly headScale: number;

  constructor(readonly inner: PoolingClassifier) {
    if (typeof inner.buildPooled !== 'function') throw new Error(`export: '${inner.architecture}' has no pooled embeddings; it cannot have been trained with sentence-mean`);
    for (const n of ['classifier.weight', 'classifier.bias']) {
      if (!inner.params.some((p) => p.name === n)) throw new Error(`export: model '${inner.architecture}' has no '${n}' head parameter`);
    }
    this.architecture = inner.architecture;
    this.numLabels = inner.numLabels;
    this.numLayers = inner.numLayers;
    this.inputNames = inner.inputNames;
    this.params = inner.params;
    this.headScale = inner.headScale ?? 1;
  }

  buildLogits(g: Graph, opts?: BuildOpts): { logits: Tensor; inputEmbeds: Tensor } {
    const before = g.params.length;
    const pooled = this.inner.buildPooled(g, opts); // [batch, hidden]
    // Same parameter handling as DocPoolClassifier: BERT-family buildPooled already declares the head.
    const declared = new Set(g.params.slice(before).map((p) => p.tensor.name));
    const p = declareParams(g, this.params.filter((q) => q.name.startsWith('classifier.') && !declared.has(q.name)), opts);
    const param = (n: string) => (declared.has(n) ? g.params.find((q) => q.tensor.name === n)!.tensor : p(n));
    const features = this.headScale === 1 ? pooled : g.mul(pooled, g.scalar(this.headScale));
    return { logits: g.linear(features, param('classifier.weight'), param('classifier.bias')), inputEmbeds: pooled };
  }
}
