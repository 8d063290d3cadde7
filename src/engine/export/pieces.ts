// The per-piece classifier of a document-pooling run (long-text 'sentence-mean', models/docPool.ts), for export.
// A DocPoolClassifier computes head(headScale * mean over pieces of pooled(piece)); its head is linear, so that
// equals the mean over pieces of head(headScale * pooled(piece)), which is what the trainer's own evaluation
// computes (doc_pool = identity, then the pieces' logits averaged per document). This model is that per-piece
// part: inputs are ordinary int64 [batch, seq] rows (one sentence each), logits [batch, numLabels] — a standard
// text-classification graph that onnxruntime and transformers.js run; the caller averages a document's rows.
// It is NOT the inner model's buildLogits: a BERT-family head reads [CLS] through the pooler, while document
// pooling reads the masked token mean (buildPooled).
import type { Graph } from '../ir/graph';
import type { Tensor } from '../ir/types';
import { PooledHeadClassifier, type PoolingClassifier } from '../models/docPool';

export class PieceClassifier extends PooledHeadClassifier {
  constructor(inner: PoolingClassifier) {
    super(inner, 'exporting a sentence-mean run');
  }

  protected features(_g: Graph, pooled: Tensor): Tensor {
    return pooled; // [batch, hidden]: one row per piece
  }
}
