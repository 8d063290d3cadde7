// Document pooling: a long text is encoded piece by piece (sentences or short windows) by the shared encoder,
// the document vector is the mean of its pieces' pooled embeddings (exactly what the frozen-embedding baseline
// averages), then the classification head. So fine-tuning sees the whole review, not one 128-token window.
//
// Inputs: input_ids / attention_mask [batch, seq] hold the PIECES (rows of all documents in the batch) and
// doc_pool [docs, batch] float32 holds the pooling weights: doc_pool[d, w] = 1/n_d when piece w belongs to
// document d (n_d pieces), else 0. logits = head(doc_pool @ pooled) are [docs, numLabels], one row per document.
// The trainer feeds doc_pool through Batch.extra (labels then have one value per document).
//
// Packed pieces (a model with buildPooledPacked: the starter, USE Lite, and the BERT family, models/common.ts):
// sentences average ~31 tokens, so a batch of pieces padded to its longest (64) computes half padding. Packed, a row
// holds several pieces one after another: input_ids [batch (rows), seq], position_ids [batch, seq] (each piece from
// 0), segment_ids [batch, seq] (1, 2, ... per piece in its row, 0 for padding; a token attends to its own piece only)
// and piece_pool [pieces, batch*seq] (1/n over a piece's n tokens) give the pieces' embeddings; doc_pool is then
// [docs, pieces]. The host packs (src/host/train/docPool.ts); one piece per row is the special case the evaluation and
// the saliency pass use.
import type { Graph } from '../ir/graph';
import type { ParamInfo, SequenceClassifier } from '../ir/model';
import type { Tensor } from '../ir/types';
import { declareParams, type BuildOpts } from './common';

export const DOC_POOL_INPUT = 'doc_pool';
// the packed pieces' inputs (packedInputs) and graph parts live with the encoders that read them (./common.ts)
export { PIECE_POOL_INPUT, POSITION_IDS_INPUT, SEGMENT_IDS_INPUT } from './common';
/** A classifier whose piece embedding can be built with trainable parameters. */
export type PoolingClassifier = SequenceClassifier & {
  buildPooled(g: Graph, opts?: BuildOpts): Tensor;
  /** buildPooled and its token embeddings: then saliency reaches the tokens (else it stops at the pieces) */
  buildPooledTokens?(g: Graph, opts?: BuildOpts): { pooled: Tensor; tokens: Tensor };
  /** buildPooledTokens over packed pieces (packedInputs); pooled is [pieces, hidden] */
  buildPooledPacked?(g: Graph, opts?: BuildOpts): { pooled: Tensor; tokens: Tensor };
  /** factor applied to the pooled vector before the head (USE Lite: sqrt(512)); default 1 */
  readonly headScale?: number;
};

/**
 * The classifier head on pooled piece embeddings, shared by DocPoolClassifier (pieces averaged per document in the
 * graph) and the export's PieceClassifier (one row per piece; the caller averages). `inner` must have
 * buildPooled(g, { trainable }) and a final linear layer [numLabels, hidden] named classifier.weight / .bias, or
 * RoBERTa's classifier.out_proj.weight / .bias (its classifier.dense, which reads <s>, stays unused). No dropout
 * before the head: averaging many pieces already regularises, and the trainer's dropout masks are shaped per row,
 * not per document.
 */
export abstract class PooledHeadClassifier implements SequenceClassifier {
  readonly architecture: string;
  readonly numLabels: number;
  readonly numLayers: number;
  readonly inputNames: string[];
  readonly params: ParamInfo[];
  readonly headScale: number;
  /** Name prefix of the final linear layer that reads the pooled vector. */
  readonly head: string;
  /** Whether the graph reads packed pieces (packedInputs) instead of one piece per padded row. */
  readonly packed: boolean;

  /** `purpose` names the caller in the one-line errors, e.g. 'document pooling'. */
  constructor(
    readonly inner: PoolingClassifier,
    purpose: string,
    packed = false,
  ) {
    if (typeof inner.buildPooled !== 'function') throw new Error(`${purpose} needs a model with pooled embeddings; '${inner.architecture}' has none`);
    const has = (n: string) => inner.params.some((p) => p.name === n);
    const head = ['classifier', 'classifier.out_proj'].find((h) => has(`${h}.weight`) && has(`${h}.bias`));
    if (!head) throw new Error(`${purpose}: model '${inner.architecture}' has no linear head (classifier or classifier.out_proj)`);
    this.head = head;
    // Same architecture name: checkpoints are interchangeable with the inner model's (same parameters).
    this.architecture = inner.architecture;
    this.numLabels = inner.numLabels;
    this.numLayers = inner.numLayers;
    if (packed && typeof inner.buildPooledPacked !== 'function') throw new Error(`${purpose}: model '${inner.architecture}' cannot read packed pieces`);
    this.packed = packed;
    // packed: the trainer feeds input_ids; the other packed inputs come with the batch (Batch.extra)
    this.inputNames = packed ? ['input_ids'] : inner.inputNames;
    this.params = inner.params;
    this.headScale = inner.headScale ?? 1;
  }

  /** What the head reads, from the pieces' pooled embeddings [batch (pieces), hidden]. */
  protected abstract features(g: Graph, pooled: Tensor): Tensor;

  buildLogits(g: Graph, opts?: BuildOpts): { logits: Tensor; inputEmbeds: Tensor } {
    const before = g.params.length;
    const built = this.packed ? this.inner.buildPooledPacked!(g, opts) : this.inner.buildPooledTokens?.(g, opts);
    const pooled = built?.pooled ?? this.inner.buildPooled(g, opts); // [batch (pieces), hidden]
    // The head parameters, unless buildPooled already declared them (BERT-family buildPooled declares all).
    const declared = new Set(g.params.slice(before).map((p) => p.tensor.name));
    const head = this.params.filter((p) => p.name.startsWith('classifier.') && !declared.has(p.name));
    const p = declareParams(g, head, opts);
    const param = (n: string) => (declared.has(n) ? g.params.find((q) => q.tensor.name === n)!.tensor : p(n));
    const f = this.features(g, pooled);
    const features = this.headScale === 1 ? f : g.mul(f, g.scalar(this.headScale));
    const logits = g.linear(features, param(`${this.head}.weight`), param(`${this.head}.bias`));
    // Saliency differentiates the document's logits (one row per document) w.r.t. every token of its pieces; for a
    // model without buildPooledTokens it stops at the pieces' embeddings.
    return { logits, inputEmbeds: built?.tokens ?? pooled };
  }
}

/** Whether a DocPoolClassifier of `model` reads packed pieces by default: the model has buildPooledPacked. */
export function readsPackedPieces(model: SequenceClassifier): boolean {
  return typeof (model as Partial<PoolingClassifier>).buildPooledPacked === 'function';
}

export class DocPoolClassifier extends PooledHeadClassifier {
  /** Packs pieces when the model can read them packed (readsPackedPieces), unless `packed` says otherwise. */
  constructor(inner: PoolingClassifier, packed = readsPackedPieces(inner)) {
    super(inner, 'document pooling', packed);
  }

  protected features(g: Graph, pooled: Tensor): Tensor {
    const pool = g.input(DOC_POOL_INPUT, 'float32', ['docs', this.packed ? 'pieces' : 'batch']);
    return g.matmul(pool, pooled); // [docs, hidden]: the mean of each document's piece embeddings
  }
}

/**
 * doc_pool weights for documents with `counts[d]` consecutive pieces each: [counts.length, sum(counts)],
 * row d = 1/counts[d] over its own pieces.
 */
export function docPoolMatrix(counts: readonly number[]): Float32Array {
  const total = counts.reduce((a, b) => a + b, 0);
  const out = new Float32Array(counts.length * total);
  let at = 0;
  counts.forEach((c, d) => {
    if (!Number.isInteger(c) || c < 1) throw new Error(`document ${d} has ${c} pieces; every document needs at least one`);
    for (let w = 0; w < c; w++) out[d * total + at + w] = 1 / c;
    at += c;
  });
  return out;
}
