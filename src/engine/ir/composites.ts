// Composite ops built from primitives, so they need no gradient rules of their own.
import type { Graph } from './graph';
import type { Tensor } from './types';
import { fmt, sameDim } from './shape';

/**
 * x @ weight^T + bias with PyTorch's nn.Linear layout (weight [out, in]); runs as one Gemm(transB=1), or with
 * Graph.deviceOps as Gemm(x, Transpose(weight)) whose own backward is dx = dy @ weight and dweight = dy^T @ x
 * (no transB Gemm anywhere: the WebGPU provider's transB kernel is ~3x slower; the Transpose of a frozen weight
 * is folded at session creation).
 */
export function linear(g: Graph, x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  const r = x.shape.length;
  if (weight.shape.length !== 2 || !sameDim(weight.shape[1], x.shape[r - 1]))
    throw new Error(`linear: weight ${fmt(weight.shape)} does not fit input ${fmt(x.shape)} (want [out, ${x.shape[r - 1]}])`);
  if (bias && (bias.shape.length !== 1 || !sameDim(bias.shape[0], weight.shape[0])))
    throw new Error(`linear: bias ${fmt(bias.shape)} does not fit weight ${fmt(weight.shape)}`);
  const flat = r === 2 ? x : g.reshape(x, [-1, x.shape[r - 1]]);
  let y: Tensor;
  if (g.deviceOps) {
    const out = g.gemm(flat, g.transpose(weight, [1, 0]), bias ?? null);
    y = g.customGrad(out, bias ? [flat, weight, bias] : [flat, weight], (gg, dy) => [
      gg.gemm(dy, weight, null),
      gg.gemm(dy, flat, null, { transA: true }),
      ...(bias ? [gg.reduceSum(dy, [0])] : []),
    ]);
  } else y = g.gemm(flat, weight, bias ?? null, { transB: true });
  return r === 2 ? y : g.reshape(y, [...x.shape.slice(0, -1), weight.shape[0]]);
}

/**
 * log softmax from primitives (for providers without a LogSoftmax kernel): z = x - max(x), z - log(sum(exp(z))),
 * with its own backward dy - exp(y) * sum(dy) (the max is a constant shift: no gradient flows through it).
 */
export function logSoftmaxPrimitives(g: Graph, x: Tensor, axis: number): Tensor {
  const z = g.sub(x, g.reduceMax(x, [axis], true));
  const y = g.sub(z, g.log(g.reduceSum(g.exp(z), [axis], true)));
  return g.customGrad(y, [x], (gg, dy) => [gg.sub(dy, gg.mul(gg.exp(y), gg.reduceSum(dy, [axis], true)))]);
}

/** Exact GELU, HF "gelu": 0.5 x (1 + erf(x / sqrt 2)). */
export function gelu(g: Graph, x: Tensor): Tensor {
  const s = (v: number) => g.scalar(v, x.dtype);
  return g.mul(g.mul(x, s(0.5)), g.add(s(1), g.erf(g.mul(x, s(Math.SQRT1_2)))));
}

/** Tanh approximation, HF "gelu_new": 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
export function geluTanh(g: Graph, x: Tensor): Tensor {
  const s = (v: number) => g.scalar(v, x.dtype);
  const inner = g.mul(g.add(x, g.mul(g.pow(x, 3), s(0.044715))), s(Math.sqrt(2 / Math.PI)));
  return g.mul(g.mul(x, s(0.5)), g.add(s(1), g.tanh(inner)));
}

/**
 * Mean softmax cross-entropy over the batch, as torch.nn.functional.cross_entropy: logits [batch, C],
 * labels int64 [batch], optional class weights [C] (weighted mean: sum w_y * nll / sum w_y).
 */
export function softmaxCrossEntropy(g: Graph, logits: Tensor, labels: Tensor, classWeights?: Tensor): Tensor {
  const c = logits.shape[logits.shape.length - 1];
  if (logits.shape.length !== 2 || typeof c !== 'number')
    throw new Error(`softmaxCrossEntropy: logits must be [batch, C] with numeric C, got ${fmt(logits.shape)}`);
  // float labels (class indices as exact small floats) keep the one-hot on a GPU provider, which has no int64 Equal
  if (labels.shape.length !== 1 || !sameDim(labels.shape[0], logits.shape[0]) || (labels.dtype !== 'int64' && labels.dtype !== logits.dtype))
    throw new Error(`softmaxCrossEntropy: labels must be int64 (or ${logits.dtype}) [${logits.shape[0]}], got ${labels.dtype} ${fmt(labels.shape)}`);
  const range = Array.from({ length: c }, (_, i) => i);
  const classes = labels.dtype === 'int64' ? g.ints(range) : g.constant(range, labels.dtype, [c]);
  const onehot = g.cast(g.equal(g.unsqueeze(labels, [1]), classes), logits.dtype);
  if (g.deviceOps) return crossEntropyFused(g, logits, onehot, c, classWeights);
  const nll = g.neg(g.reduceSum(g.mul(onehot, g.logSoftmax(logits, -1)), [1]));
  if (!classWeights) return g.reduceMean(nll, [0]);
  if (classWeights.shape.length !== 1 || classWeights.shape[0] !== c)
    throw new Error(`softmaxCrossEntropy: classWeights must be [${c}], got ${fmt(classWeights.shape)}`);
  const w = labels.dtype === 'int64' ? g.gather(classWeights, labels, 0) : g.reduceSum(g.mul(onehot, classWeights), [1]);
  return g.div(g.reduceSum(g.mul(w, nll), [0]), g.reduceSum(w, [0]));
}

/**
 * Graph.deviceOps form of softmaxCrossEntropy (same values up to float rounding) with its own backward,
 * dlogits = dloss * w_row (softmax - onehot) / sum(w) (w = 1: / batch): 4-5 kernels where autodiff of the loss
 * makes ~9.
 */
function crossEntropyFused(g: Graph, logits: Tensor, onehot: Tensor, c: number, classWeights?: Tensor): Tensor {
  const s = (v: number) => g.scalar(v, logits.dtype);
  const lsm = g.logSoftmax(logits, -1);
  const picked = g.mul(onehot, lsm); // [batch, C]: log p of the label, 0 elsewhere
  let loss: Tensor, w: Tensor | undefined, denom: Tensor;
  if (!classWeights) {
    // mean over batch of -sum over classes = -C * mean over both axes
    loss = g.mul(g.reduceMean(picked, [0, 1]), s(-c));
    const rows = logits.shape[0];
    denom = typeof rows === 'number' ? s(rows) : g.cast(g.dimSize(rows), logits.dtype);
  } else {
    if (classWeights.shape.length !== 1 || classWeights.shape[0] !== c)
      throw new Error(`softmaxCrossEntropy: classWeights must be [${c}], got ${fmt(classWeights.shape)}`);
    w = g.reduceSum(g.mul(onehot, classWeights), [1], true); // [batch, 1]
    denom = g.reduceSum(w, [0, 1]);
    loss = g.div(g.neg(g.reduceSum(g.mul(picked, w), [0, 1])), denom);
  }
  return g.customGrad(loss, [logits], (gg, dy) => {
    const diff = gg.sub(gg.exp(lsm), onehot);
    const scale = gg.div(gg.reshape(dy, []), gg.reshape(denom, []));
    return [gg.mul(w ? gg.mul(diff, w) : diff, scale)];
  });
}
