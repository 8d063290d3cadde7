// The linear-algebra and normalization primitives of the graph builder (Graph.matmul, gemm, softmax, logSoftmax,
// layerNorm and skipLayerNorm delegate here): each emits one ONNX node after checking its operands and inferring the
// output shape at build time; their gradient rules are in ../autodiff/rules.ts.
import type { Graph } from './graph';
import type { DType, Tensor } from './types';
import { broadcast, fmt, normAxis, sameDim } from './shape';
import * as comp from './composites';

/** Batched matmul like numpy.matmul; both operands rank >= 2. */
export function matmul(g: Graph, a: Tensor, b: Tensor): Tensor {
  if (a.dtype !== b.dtype) throw new Error(`matmul: dtype mismatch ${a.dtype} vs ${b.dtype}`);
  if (a.shape.length < 2 || b.shape.length < 2) throw new Error(`matmul: operands need rank >= 2: ${fmt(a.shape)} x ${fmt(b.shape)}`);
  const [m, k1] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (!sameDim(k1, k2)) throw new Error(`matmul: inner dims differ: ${fmt(a.shape)} x ${fmt(b.shape)}`);
  const batch = broadcast('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  return g.one('MatMul', [a, b], a.dtype, [...batch, m, n]);
}

/** ONNX Gemm on 2-D operands: op(a) @ op(b) (+ c), op = optional transpose. Used by linear and by gradients. */
export function gemm(g: Graph, a: Tensor, b: Tensor, c: Tensor | null, opts: { transA?: boolean; transB?: boolean } = {}): Tensor {
  if (a.shape.length !== 2 || b.shape.length !== 2) throw new Error(`gemm: operands must be 2-D: ${fmt(a.shape)} x ${fmt(b.shape)}`);
  if (a.dtype !== b.dtype) throw new Error(`gemm: dtype mismatch ${a.dtype} vs ${b.dtype}`);
  const tA = !!opts.transA,
    tB = !!opts.transB;
  const [m, k1] = tA ? [a.shape[1], a.shape[0]] : a.shape;
  const [k2, n] = tB ? [b.shape[1], b.shape[0]] : b.shape;
  if (!sameDim(k1, k2)) throw new Error(`gemm: inner dims differ: ${fmt(a.shape)}${tA ? '^T' : ''} x ${fmt(b.shape)}${tB ? '^T' : ''}`);
  if (c)
    broadcast('gemm', [m, n], c.shape).forEach((d, i) => {
      if (!sameDim(d, [m, n][i])) throw new Error(`gemm: bias ${fmt(c.shape)} does not broadcast to ${fmt([m, n])}`);
    });
  return g.one('Gemm', c ? [a, b, c] : [a, b], a.dtype, [m, n], { transA: { i: +tA }, transB: { i: +tB } }, { transA: tA, transB: tB });
}

export function softmax(g: Graph, x: Tensor, axis = -1): Tensor {
  const a = normAxis('softmax', axis, x.shape.length);
  return g.one('Softmax', [x], x.dtype, x.shape, { axis: { i: a } }, { axis: a });
}
export function logSoftmax(g: Graph, x: Tensor, axis = -1): Tensor {
  const a = normAxis('logSoftmax', axis, x.shape.length);
  if (g.deviceOps) return comp.logSoftmaxPrimitives(g, x, a);
  return g.one('LogSoftmax', [x], x.dtype, x.shape, { axis: { i: a } }, { axis: a });
}

/** LayerNormalization over the last axis (ONNX opset 17+, with its Mean / InvStdDev outputs for the gradient). */
export function layerNorm(g: Graph, x: Tensor, scale: Tensor, bias: Tensor, eps: number): Tensor {
  const h = x.shape[x.shape.length - 1];
  for (const [n, t] of [
    ['scale', scale],
    ['bias', bias],
  ] as const) {
    if (t.shape.length !== 1 || !sameDim(t.shape[0], h)) throw new Error(`layerNorm: ${n} ${fmt(t.shape)} must be [${h}] for input ${fmt(x.shape)}`);
  }
  const stat = [...x.shape.slice(0, -1), 1];
  const sd: DType = x.dtype; // stash_type 1 = float32 statistics; double for float64 graphs
  return g.node(
    'LayerNormalization',
    [x, scale, bias],
    [
      [x.dtype, x.shape],
      [sd, stat],
      [sd, stat],
    ],
    { axis: { i: -1 }, epsilon: { f: eps }, stash_type: { i: x.dtype === 'float64' ? 11 : 1 } },
    { eps },
  )[0];
}

/**
 * LayerNormalization(a + b) (a residual connection). With Graph.deviceOps and a, b both float32
 * [batch, seq, hidden], one onnxruntime contrib kernel (com.microsoft SkipLayerNormalization, whose 4th output is
 * a + b, what the backward normalizes again); else an Add and layerNorm.
 */
export function skipLayerNorm(g: Graph, a: Tensor, b: Tensor, scale: Tensor, bias: Tensor, eps: number): Tensor {
  const same = a.shape.length === 3 && b.shape.length === 3 && a.shape.every((d, i) => sameDim(d, b.shape[i]));
  if (!g.deviceOps || !same || a.dtype !== 'float32' || b.dtype !== 'float32') return layerNorm(g, g.add(a, b), scale, bias, eps);
  const h = a.shape[2];
  for (const [n, t] of [
    ['scale', scale],
    ['bias', bias],
  ] as const) {
    if (t.shape.length !== 1 || !sameDim(t.shape[0], h)) throw new Error(`skipLayerNorm: ${n} ${fmt(t.shape)} must be [${h}] for input ${fmt(a.shape)}`);
  }
  return g.node(
    'SkipLayerNormalization',
    [a, b, scale, bias],
    [
      [a.dtype, a.shape],
      [a.dtype, a.shape],
    ],
    { epsilon: { f: eps } },
    { eps, domain: 'com.microsoft', outputSlots: [0, 3] },
  )[0];
}
