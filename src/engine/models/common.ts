// Pieces shared by the BERT-family classifiers: parameter tables, the attention mask, multi-head self-attention,
// the post-LayerNorm encoder layer and masked mean pooling. Semantics follow transformers' eager implementations.
import type { Graph } from '../ir/graph';
import type { ParamInfo, SequenceClassifier } from '../ir/model';
import type { Tensor } from '../ir/types';
import type { HiddenAct, TransformerConfig } from '../weights/hfConfig';

/** torch.finfo(torch.float32).min: HF adds it to the scores of masked keys, so their softmax weight is exactly 0. */
export const FLOAT32_MIN = -3.4028234663852886e38;

/** HF Trainer's grouping: no weight decay for biases and LayerNorm parameters. */
export function decays(name: string): boolean {
  return !(/(^|\.)bias$/.test(name) || /LayerNorm|layer_norm/.test(name));
}

/** Builds the ordered ParamInfo list (order = the HF state_dict order). */
export class ParamList {
  readonly list: ParamInfo[] = [];
  add(name: string, shape: number[], group: string): void {
    this.list.push({ name, shape, group, decay: decays(name) });
  }
  linear(prefix: string, nOut: number, nIn: number, group: string): void {
    this.add(`${prefix}.weight`, [nOut, nIn], group);
    this.add(`${prefix}.bias`, [nOut], group);
  }
  norm(prefix: string, n: number, group: string): void {
    this.add(`${prefix}.weight`, [n], group);
    this.add(`${prefix}.bias`, [n], group);
  }
}

export type BuildOpts = { trainable?: (name: string) => boolean };

/** Declares every parameter in the graph once; `p(name)` returns its tensor. */
export function declareParams(g: Graph, params: ParamInfo[], opts: BuildOpts = {}, fixed: ReadonlySet<string> = new Set()): (name: string) => Tensor {
  const byName = new Map<string, Tensor>();
  for (const info of params) {
    const trainable = !fixed.has(info.name) && (opts.trainable ? opts.trainable(info.name) : true);
    byName.set(info.name, g.param(info.name, info.shape, { trainable, decay: info.decay }));
  }
  return (name) => {
    const t = byName.get(name);
    if (!t) throw new Error(`model: no parameter '${name}'`);
    return t;
  };
}

export interface Inputs {
  inputIds: Tensor;
  /** absent for packed pieces, whose segment ids say which keys a token reads */
  attentionMask?: Tensor;
  tokenTypeIds?: Tensor;
  /** packed pieces: each piece's own positions from 0 (else the model numbers the row) */
  positionIds?: Tensor;
}

export function declareInputs(g: Graph, names: readonly string[]): Inputs {
  const t = (n: string) => g.input(n, 'int64', ['batch', 'seq']);
  return {
    inputIds: t('input_ids'),
    attentionMask: t('attention_mask'),
    ...(names.includes('token_type_ids') ? { tokenTypeIds: t('token_type_ids') } : {}),
  };
}

/** 0, 1, ..., seq-1 as int64 [seq] (the run-time sequence length comes from the inputs' shape). */
export function arangeSeq(g: Graph): Tensor {
  const seq = g.squeeze(g.dimSize('seq'), [0]);
  return g.node('Range', [g.scalar(0, 'int64'), seq, g.scalar(1, 'int64')], [['int64', ['seq']]])[0];
}

export const POSITION_IDS_INPUT = 'position_ids';
export const SEGMENT_IDS_INPUT = 'segment_ids';
export const PIECE_POOL_INPUT = 'piece_pool';

/**
 * Packed pieces (models/docPool.ts): a row [batch, seq] holds several pieces one after another; position_ids number
 * each piece from 0, segment_ids are 1, 2, ... per piece in its row and 0 for padding, and piece_pool [pieces,
 * batch*seq] holds 1/n over each piece's n tokens.
 */
export interface PackedInputs {
  inputIds: Tensor;
  positionIds: Tensor;
  segmentIds: Tensor;
  piecePool: Tensor;
}

/** The inputs of a packed batch of pieces. */
export function packedInputs(g: Graph): PackedInputs {
  const t = (n: string) => g.input(n, 'int64', ['batch', 'seq']);
  return {
    inputIds: t('input_ids'),
    positionIds: t(POSITION_IDS_INPUT),
    segmentIds: t(SEGMENT_IDS_INPUT),
    piecePool: g.input(PIECE_POOL_INPUT, 'float32', ['pieces', 'batch*seq']),
  };
}

/**
 * [batch, 1, seq, seq] float32: 1 where a query may read a key of packed pieces — the same segment id, and the key
 * not padding (segment 0) — else 0. So each piece attends to its own tokens only.
 */
export function samePieceKeys(g: Graph, segmentIds: Tensor): Tensor {
  const seg = g.cast(segmentIds, 'float32'); // [b, s]
  const segK = g.unsqueeze(seg, [1, 2]); // [b, 1, 1, s]
  const diff = g.sub(g.unsqueeze(seg, [1, 3]), segK); // [b, 1, s, s]
  const same = g.cast(g.less(g.mul(diff, diff), g.scalar(0.25)), 'float32');
  return g.mul(same, g.cast(g.less(g.scalar(0.5), segK), 'float32'));
}

/** Each packed piece's mean token state [pieces, size]: piece_pool @ the states [batch, seq, size] as rows. */
export function piecePooled(g: Graph, piecePool: Tensor, states: Tensor, size: number): Tensor {
  return g.matmul(piecePool, g.reshape(states, ['batch*seq', size]));
}

/** HF get_extended_attention_mask: (1 - mask) * finfo.min, shaped [batch, 1, 1, seq] to add to the scores. */
export function additiveMask(g: Graph, attentionMask: Tensor): Tensor {
  const m = g.cast(attentionMask, 'float32');
  const add = g.mul(g.sub(g.scalar(1), m), g.scalar(FLOAT32_MIN));
  return g.unsqueeze(add, [1, 2]);
}

/**
 * Exact GELU, x Phi(x) with Phi(x) = (1 + erf(x / sqrt 2)) / 2, with its own backward: d/dx = Phi(x) + x phi(x),
 * and x phi(x) = t e^(-t^2) / sqrt(pi) with t = x / sqrt 2. Forward 5 ops + backward 6 ops, each a pass over
 * [batch, seq, intermediate] floats, where autodiff of the forward ops made 10 backward ops. The backward keeps
 * two such tensors alive (t and Phi), as the previous lean form did.
 */
export function geluLean(g: Graph, x: Tensor): Tensor {
  const c = (v: number) => g.scalar(v, x.dtype);
  const t = g.mul(x, c(Math.SQRT1_2));
  const phi = g.add(g.mul(g.erf(t), c(0.5)), c(0.5));
  return g.customGrad(g.mul(x, phi), [x], (gg, dy) => {
    const xpdf = gg.mul(t, gg.exp(gg.sub(c(-0.5 * Math.log(Math.PI)), gg.mul(t, t))));
    return [gg.mul(dy, gg.add(phi, xpdf))];
  });
}

export function activation(g: Graph, act: HiddenAct, x: Tensor): Tensor {
  switch (act) {
    case 'gelu':
      return geluLean(g, x);
    case 'gelu_new':
      return g.geluTanh(x);
    case 'relu':
      return g.relu(x);
  }
}

export interface AttentionWeights {
  q: string;
  k: string;
  v: string;
  out: string;
}

/**
 * Multi-head self-attention, softmax(q k^T / sqrt(d) + mask) v, then the output projection.
 * q is scaled before the product (as DistilBERT does; for BERT the difference is float rounding): scaling the
 * [batch, seq, hidden] queries is cheaper than scaling the [batch, heads, seq, seq] scores.
 */
export function selfAttention(g: Graph, x: Tensor, mask: Tensor, p: (n: string) => Tensor, w: AttentionWeights, cfg: TransformerConfig): Tensor {
  const h = cfg.numHeads;
  const d = cfg.hiddenSize / h;
  const lin = (prefix: string, t: Tensor) => g.linear(t, p(`${prefix}.weight`), p(`${prefix}.bias`));
  const heads = (t: Tensor, perm: number[]) => g.transpose(g.reshape(t, ['batch', 'seq', h, d]), perm);
  let q: Tensor, kT: Tensor, v: Tensor;
  if (g.deviceOps) {
    // one projection for q, k and v (weights [3 hidden, hidden] stacked: Graph.joint), one Transpose to
    // [3, b, h, s, d] and one Split: 3 kernels where separate projections take 6 (and 9 backward instead of 4)
    const names = (kind: string) => [w.q, w.k, w.v].map((n) => `${n}.${kind}`);
    const joint = (kind: string) => g.joint(names(kind), names(kind).map(p));
    const qkv = g.linear(x, joint('weight'), joint('bias')); // [b, s, 3 hidden]
    const all = g.transpose(g.reshape(qkv, ['batch', 'seq', 3, h, d]), [2, 0, 3, 1, 4]); // [3, b, h, s, d]
    // split as [3, b*h*s, d]: onnxruntime's transpose optimizer would move the Transpose past a Split of `all`
    // itself (a Transpose per part, and more)
    const [q0, k, v0] = g.split(g.reshape(all, [3, -1, d]), [1, 1, 1], 0).map((t) => g.reshape(t, ['batch', h, 'seq', d]));
    q = g.mul(q0, g.scalar(1 / Math.sqrt(d)));
    kT = g.transpose(k, [0, 1, 3, 2]);
    v = v0;
  } else {
    q = heads(g.mul(lin(w.q, x), g.scalar(1 / Math.sqrt(d))), [0, 2, 1, 3]); // [b, h, s, d]
    kT = heads(lin(w.k, x), [0, 2, 3, 1]); // [b, h, d, s]
    v = heads(lin(w.v, x), [0, 2, 1, 3]); // [b, h, s, d]
  }
  const scores = g.add(g.matmul(q, kT), mask);
  const sm = g.softmax(scores, -1);
  let probs = g.dropout(sm, cfg.attentionDropout);
  if (g.deviceOps && probs !== sm) {
    // softmax then dropout (probs = sm * keep) with one backward: with dz = dprobs * probs,
    // dscores = dz - sm * sum(dz) (4 kernels; the mask's Mul and the softmax rule make 5)
    const dropped = probs;
    probs = g.customGrad(dropped, [scores], (gg, dp) => {
      const dz = gg.mul(dp, dropped);
      return [gg.sub(dz, gg.mul(sm, gg.reduceSum(dz, [-1], true)))];
    });
  }
  const ctx = g.reshape(g.transpose(g.matmul(probs, v), [0, 2, 1, 3]), ['batch', 'seq', cfg.hiddenSize]);
  return lin(w.out, ctx);
}

export interface LayerWeights extends AttentionWeights {
  norm1: string;
  ffnIn: string;
  ffnOut: string;
  norm2: string;
}

/** Post-LN transformer layer: LN(x + attn(x)), then LN(a + W2 act(W1 a)); dropout after each sublayer. */
export function encoderLayer(g: Graph, x: Tensor, mask: Tensor, p: (n: string) => Tensor, w: LayerWeights, cfg: TransformerConfig): Tensor {
  const lin = (prefix: string, t: Tensor) => g.linear(t, p(`${prefix}.weight`), p(`${prefix}.bias`));
  const attn = g.dropout(selfAttention(g, x, mask, p, w, cfg), cfg.hiddenDropout);
  const addLn = (prefix: string, t: Tensor, residual: Tensor) => g.skipLayerNorm(t, residual, p(`${prefix}.weight`), p(`${prefix}.bias`), cfg.layerNormEps);
  const a = addLn(w.norm1, attn, x);
  const f = g.dropout(lin(w.ffnOut, activation(g, cfg.hiddenAct, lin(w.ffnIn, a))), cfg.hiddenDropout);
  return addLn(w.norm2, f, a);
}

/** hidden[:, 0] — the first ([CLS] / <s>) token's vector, [batch, hidden]. */
export function firstToken(g: Graph, hidden: Tensor): Tensor {
  const y = g.gather(hidden, g.scalar(0, 'int64'), 1);
  if (!g.deviceOps) return y;
  // Graph.deviceOps: the gradient is dy at position 0 padded with zeros along seq: one Pad kernel, where the
  // Gather rule scatters (zeros, two Transposes and a ScatterND)
  return g.customGrad(y, [hidden], (gg, dy) => {
    // seq - 1 as the length of Range(1, seq): integer shape work without arithmetic
    const seq = gg.squeeze(gg.dimSize(hidden.shape[1]), [0]);
    const after = gg.node('Shape', [gg.node('Range', [gg.scalar(1, 'int64'), seq, gg.scalar(1, 'int64')], [['int64', ['seq-1']]])[0]], [['int64', [1]]])[0];
    const pads = gg.node('Concat', [gg.ints([0, 0, 0, 0]), after, gg.ints([0])], [['int64', [6]]], { axis: { i: 0 } })[0];
    return [gg.node('Pad', [gg.unsqueeze(dy, [1]), pads, gg.scalar(0, dy.dtype)], [[dy.dtype, [...hidden.shape]]])[0]];
  });
}

/** Mean of the hidden states over real (unmasked) tokens: a sentence embedding for frozen-feature baselines. */
export function maskedMean(g: Graph, hidden: Tensor, attentionMask: Tensor): Tensor {
  const m = g.unsqueeze(g.cast(attentionMask, 'float32'), [2]); // [b, s, 1]
  const sum = g.reduceSum(g.mul(hidden, m), [1]); // [b, h]
  const count = g.reduceSum(m, [1]); // [b, 1]
  return g.div(sum, g.add(count, g.scalar(1e-9)));
}

/** What every BERT-family classifier shares; the arch files add embeddings, parameter names and heads. */
export abstract class EncoderClassifier implements SequenceClassifier {
  abstract readonly architecture: string;
  abstract readonly inputNames: string[];
  readonly params: ParamInfo[];
  readonly numLayers: number;
  /**
   * Longest input (tokens, specials included) the position table covers: max_position_embeddings, less
   * padding_idx + 1 for RoBERTa, whose positions start there (514 - 2 = 512 for roberta-base).
   * Longer inputs would index past the table: callers must truncate or window to this length.
   */
  readonly maxSequenceLength: number;

  constructor(
    readonly config: TransformerConfig,
    readonly numLabels: number,
  ) {
    if (!Number.isInteger(numLabels) || numLabels < 2) throw new Error(`numLabels must be an integer >= 2, got ${numLabels}`);
    this.numLayers = config.numLayers;
    this.maxSequenceLength = config.positionsFromPadding ? config.maxPositions - config.padTokenId - 1 : config.maxPositions;
    const list = new ParamList();
    this.declare(list);
    this.params = list.list;
  }

  protected abstract declare(list: ParamList): void;
  /** The encoder layers' parameters (attention, feed-forward, two LayerNorms), group 'layer.<i>', in layer order. */
  protected declareLayers(l: ParamList): void {
    const c = this.config;
    for (let i = 0; i < c.numLayers; i++) {
      const w = this.layerWeights(i);
      const grp = `layer.${i}`;
      for (const n of [w.q, w.k, w.v, w.out]) l.linear(n, c.hiddenSize, c.hiddenSize, grp);
      l.norm(w.norm1, c.hiddenSize, grp);
      l.linear(w.ffnIn, c.intermediateSize, c.hiddenSize, grp);
      l.linear(w.ffnOut, c.hiddenSize, c.intermediateSize, grp);
      l.norm(w.norm2, c.hiddenSize, grp);
    }
  }
  /** Parameters that are never trained (DistilBERT's sinusoidal position table). */
  protected fixedParams(): ReadonlySet<string> {
    return new Set();
  }
  /** Token embeddings + the rest of the embedding block: returns [batch, seq, hidden] and the token part. */
  protected abstract embed(g: Graph, p: (n: string) => Tensor, inp: Inputs): { hidden: Tensor; tokens: Tensor };
  protected abstract layerWeights(i: number): LayerWeights;
  protected abstract head(g: Graph, p: (n: string) => Tensor, hidden: Tensor): Tensor;

  /** The encoder's last hidden states [batch, seq, hidden]; `packed`: rows of packed pieces (packedInputs). */
  private encode(g: Graph, opts: BuildOpts = {}, packed?: PackedInputs): { hidden: Tensor; tokens: Tensor; inp: Inputs; p: (n: string) => Tensor } {
    const inp: Inputs = packed ? { inputIds: packed.inputIds, positionIds: packed.positionIds } : declareInputs(g, this.inputNames);
    const p = declareParams(g, this.params, opts, this.fixedParams());
    const { hidden: emb, tokens } = this.embed(g, p, inp);
    // packed: a key outside the query's piece gets finfo.min, as a padded key does in HF's mask
    const mask = packed ? g.mul(g.sub(g.scalar(1), samePieceKeys(g, packed.segmentIds)), g.scalar(FLOAT32_MIN)) : additiveMask(g, inp.attentionMask!);
    let hidden = emb;
    for (let i = 0; i < this.numLayers; i++) hidden = encoderLayer(g, hidden, mask, p, this.layerWeights(i), this.config);
    return { hidden, tokens, inp, p };
  }

  buildLogits(g: Graph, opts?: BuildOpts): { logits: Tensor; inputEmbeds: Tensor } {
    const { hidden, tokens, p } = this.encode(g, opts);
    return { logits: this.head(g, p, hidden), inputEmbeds: tokens };
  }

  /** Mean-pooled token states [batch, hidden]. Frozen unless `opts.trainable` says otherwise (document pooling
   *  fine-tunes through it; the frozen-embedding baseline calls it without options). */
  buildPooled(g: Graph, opts?: BuildOpts): Tensor {
    return this.buildPooledTokens(g, opts).pooled;
  }

  buildPooledTokens(g: Graph, opts?: BuildOpts): { pooled: Tensor; tokens: Tensor } {
    const { hidden, inp, tokens } = this.encode(g, opts ?? { trainable: () => false });
    return { pooled: maskedMean(g, hidden, inp.attentionMask!), tokens };
  }

  /**
   * buildPooledTokens over packed pieces (packedInputs): each piece attends to its own tokens with its own positions
   * (token type 0), and its embedding [pieces, hidden] is the mean of its tokens' states — those of the pieces one per
   * padded row, without computing the padding.
   */
  buildPooledPacked(g: Graph, opts?: BuildOpts): { pooled: Tensor; tokens: Tensor } {
    const packed = packedInputs(g);
    const { hidden, tokens } = this.encode(g, opts ?? { trainable: () => false }, packed);
    return { pooled: piecePooled(g, packed.piecePool, hidden, this.config.hiddenSize), tokens };
  }
}
