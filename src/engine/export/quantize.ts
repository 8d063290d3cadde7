// Int8 dynamic quantization as a pass over an ONNX ModelProto, in the form onnxruntime.quantization's
// quantize_dynamic writes (so onnxruntime's CPU graph optimizer fuses it into DynamicQuantizeMatMul):
//   Gemm(A, W, C) / MatMul(A, W) with W a float initializer  ->
//     DynamicQuantizeLinear(A) -> (A_q uint8, A_scale, A_zp)           (once per distinct A: q, k and v share it)
//     MatMulInteger(A_q, W_q [K, N], A_zp, W_zp) -> int32 -> Cast(float) -> Mul(A_scale * W_scale) (+ C)
//   Gather(E, ids) with E a float initializer (embedding tables) ->
//     Gather(E_q, ids) -> DequantizeLinear(., E_scale [H], E_zp, axis = last)
// Weights: asymmetric uint8 (the default) or symmetric int8 (zero point 0, range +-127), with one scale per output
// column (per-channel, the default) or per tensor.
// Why uint8 by default: on x86 CPUs without VNNI (AVX2 only, like the 2-core VMs here), onnxruntime's uint8 x int8
// kernel adds pairs of products in int16 (vpmaddubsw) and saturates with full-range int8 weights. Measured with
// onnxruntime-node 1.30 on one Gemm (K 256, N 64, activations in [-2, 2]): max error vs float 8.4 for int8
// (outputs of size ~10: garbage), 0.27 for int8 with reduceRange (+-63), 0.23 for uint8. uint8 x uint8 is exact
// on every CPU. int8 + reduceRange is the alternative for CPUs where the s8 kernel is faster.
import { onnx } from 'onnx-proto';
import { floatTensor } from './inference';

const DT = onnx.TensorProto.DataType;

export interface QuantizeOptions {
  /** weight element type: 'uint8' (asymmetric, default) or 'int8' (symmetric; use reduceRange on AVX2 CPUs) */
  weightType?: 'int8' | 'uint8';
  /** one scale per output column (default true) instead of one per tensor */
  perChannel?: boolean;
  /** int8 weights in [-63, 63] (7 bits), avoiding int16 saturation on AVX2 CPUs without VNNI (default false) */
  reduceRange?: boolean;
  /** also quantize embedding tables read by Gather (default true) */
  embeddings?: boolean;
  /** leave weights with fewer elements in float (default 0: quantize all) */
  minElements?: number;
  /** weights (initializer names) to leave in float, like quantize_dynamic's nodes_to_exclude */
  exclude?: readonly string[];
}

export interface QuantizeReport {
  /** initializers turned into 8-bit tensors, with the op that reads them */
  quantized: { name: string; op: string; shape: number[] }[];
  floatBytes: number;
  quantizedBytes: number;
}

interface Init {
  t: onnx.ITensorProto;
  data: Float32Array;
  dims: number[];
}

export function quantizeDynamic(src: onnx.IModelProto, opts: QuantizeOptions = {}): { model: onnx.ModelProto; report: QuantizeReport } {
  const o = {
    weightType: opts.weightType ?? 'uint8',
    perChannel: opts.perChannel ?? true,
    reduceRange: opts.reduceRange ?? false,
    embeddings: opts.embeddings ?? true,
    minElements: opts.minElements ?? 0,
  };
  const model = onnx.ModelProto.create({ ...src, graph: onnx.GraphProto.create({ ...src.graph! }) });
  const graph = model.graph!;
  const exclude = new Set(opts.exclude ?? []);
  const inits = new Map<string, Init>();
  for (const t of graph.initializer ?? []) {
    if (t.dataType === DT.FLOAT && t.rawData && t.dims && t.dims.length === 2) {
      const raw = t.rawData;
      const copy = new Uint8Array(raw.byteLength);
      copy.set(raw); // rawData may be unaligned inside a decoded buffer
      inits.set(t.name!, { t, data: new Float32Array(copy.buffer), dims: t.dims.map(Number) });
    }
  }
  const uses = new Map<string, number>();
  for (const n of graph.node ?? []) for (const i of n.input ?? []) uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const out of graph.output ?? []) uses.set(out.name!, (uses.get(out.name!) ?? 0) + 1);

  // Identical activations get one DynamicQuantizeLinear: the engine's linear() reshapes its input to 2-D per call,
  // so q, k and v read three Reshape outputs of the same tensor and shape.
  const producer = new Map<string, onnx.INodeProto>();
  for (const n of graph.node ?? []) for (const out of n.output ?? []) producer.set(out, n);
  const actKey = (a: string) => {
    const p = producer.get(a);
    return p && p.opType === 'Reshape' ? `Reshape(${(p.input ?? []).join(',')})` : a;
  };
  const report: QuantizeReport = { quantized: [], floatBytes: 0, quantizedBytes: 0 };
  const replaced = new Set<string>();
  const newInits: onnx.ITensorProto[] = [];
  const dql = new Map<string, [string, string, string]>(); // activation -> quantized, scale, zero point
  const nodes: onnx.INodeProto[] = [];
  const eligible = (name: string | undefined) => {
    const w = name === undefined ? undefined : inits.get(name);
    return w && uses.get(name!) === 1 && w.data.length >= o.minElements && !exclude.has(name!) ? w : undefined;
  };
  const ai = (n: onnx.INodeProto, key: string, dflt: number) => Number(n.attribute?.find((a) => a.name === key)?.i ?? dflt);
  const af = (n: onnx.INodeProto, key: string, dflt: number) => n.attribute?.find((a) => a.name === key)?.f ?? dflt;

  for (const n of graph.node ?? []) {
    const [a, b, c] = n.input ?? [];
    const w = eligible(b);
    const plainGemm = n.opType === 'Gemm' && ai(n, 'transA', 0) === 0 && af(n, 'alpha', 1) === 1 && af(n, 'beta', 1) === 1;
    if (w && (plainGemm || (n.opType === 'MatMul' && n.input!.length === 2))) {
      const transB = n.opType === 'Gemm' && ai(n, 'transB', 0) === 1;
      // MatMulInteger wants B as [K, N]; nn.Linear weights are [N, K] (Gemm transB = 1).
      const [K, N] = transB ? [w.dims[1], w.dims[0]] : w.dims;
      const kn = transB ? transpose(w.data, N, K) : w.data;
      const q = quantizeColumns(kn, K, N, o);
      const base = b!;
      newInits.push(
        int8Tensor(`${base}_quantized`, [K, N], q.values, o.weightType),
        floatTensor(`${base}_scale`, [q.scale.length], q.scale),
        int8Tensor(`${base}_zero_point`, [q.zeroPoint.length], q.zeroPoint, o.weightType),
      );
      replaced.add(base);
      record(report, base, n.opType!, w, q.values.byteLength + q.scale.byteLength);
      let act = dql.get(actKey(a));
      if (!act) {
        act = [`${a}_quantized`, `${a}_scale`, `${a}_zero_point`];
        dql.set(actKey(a), act);
        nodes.push({ opType: 'DynamicQuantizeLinear', name: `${a}_DynamicQuantizeLinear`, input: [a], output: act });
      }
      const out = n.output![0];
      const y = c ? `${out}_nobias` : out;
      nodes.push(
        {
          opType: 'MatMulInteger',
          name: `${n.name}_MatMulInteger`,
          input: [act[0], `${base}_quantized`, act[2], `${base}_zero_point`],
          output: [`${out}_int32`],
        },
        {
          opType: 'Cast',
          name: `${n.name}_Cast`,
          input: [`${out}_int32`],
          output: [`${out}_cast`],
          attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: DT.FLOAT }],
        },
        { opType: 'Mul', name: `${n.name}_scales_mul`, input: [act[1], `${base}_scale`], output: [`${out}_scales`] },
        { opType: 'Mul', name: `${n.name}_output_mul`, input: [`${out}_cast`, `${out}_scales`], output: [y] },
      );
      if (c) nodes.push({ opType: 'Add', name: `${n.name}_bias_add`, input: [y, c], output: [out] });
      continue;
    }
    const e = o.embeddings && n.opType === 'Gather' && ai(n, 'axis', 0) === 0 ? eligible(a) : undefined;
    if (e) {
      // per column of the table = per hidden unit of the looked-up vectors (the last axis of the output)
      const [V, H] = e.dims;
      const q = quantizeColumns(e.data, V, H, o);
      newInits.push(
        int8Tensor(`${a}_quantized`, [V, H], q.values, o.weightType),
        floatTensor(`${a}_scale`, [q.scale.length], q.scale),
        int8Tensor(`${a}_zero_point`, [q.zeroPoint.length], q.zeroPoint, o.weightType),
      );
      replaced.add(a);
      record(report, a, 'Gather', e, q.values.byteLength + q.scale.byteLength);
      const out = n.output![0];
      nodes.push(
        { ...n, input: [`${a}_quantized`, b], output: [`${out}_quantized`] },
        {
          opType: 'DequantizeLinear',
          name: `${n.name}_DequantizeLinear`,
          input: [`${out}_quantized`, `${a}_scale`, `${a}_zero_point`],
          output: [out],
          attribute: q.scale.length > 1 ? [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }] : [],
        },
      );
      continue;
    }
    nodes.push(n);
  }
  graph.node = nodes;
  graph.initializer = [...(graph.initializer ?? []).filter((t) => !replaced.has(t.name!)), ...newInits];
  // com.microsoft ops are not used: every op above is standard ai.onnx (opset >= 13 for per-axis DequantizeLinear).
  return { model, report };
}

function record(r: QuantizeReport, name: string, op: string, w: Init, bytes: number): void {
  r.quantized.push({ name, op, shape: w.dims });
  r.floatBytes += w.data.byteLength;
  r.quantizedBytes += bytes;
}

export interface QuantizedColumns {
  values: Int8Array | Uint8Array;
  scale: Float32Array;
  zeroPoint: Int8Array | Uint8Array;
}

/**
 * Quantizes a row-major [rows, cols] matrix with one scale (and zero point) per column, or one for all.
 * int8: symmetric, q = round(x / s), s = max|x| / 127 (63 with reduceRange), zero point 0.
 * uint8: asymmetric over [min(x, 0), max(x, 0)], q = round(x / s) + zp, as onnxruntime's quantizer does.
 */
export function quantizeColumns(
  x: Float32Array,
  rows: number,
  cols: number,
  o: { weightType: 'int8' | 'uint8'; perChannel: boolean; reduceRange: boolean },
): QuantizedColumns {
  const groups = o.perChannel ? cols : 1;
  const lo = new Float32Array(groups);
  const hi = new Float32Array(groups);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = x[r * cols + c];
      const gi = o.perChannel ? c : 0;
      if (v < lo[gi]) lo[gi] = v;
      if (v > hi[gi]) hi[gi] = v;
    }
  }
  const scale = new Float32Array(groups);
  const signed = o.weightType === 'int8';
  const zeroPoint = signed ? new Int8Array(groups) : new Uint8Array(groups);
  const qmax = signed ? (o.reduceRange ? 63 : 127) : o.reduceRange ? 127 : 255;
  for (let gi = 0; gi < groups; gi++) {
    if (signed) {
      scale[gi] = Math.max(-lo[gi], hi[gi]) / qmax;
    } else {
      scale[gi] = (hi[gi] - lo[gi]) / qmax;
      zeroPoint[gi] = scale[gi] > 0 ? clamp(roundHalfEven(-lo[gi] / scale[gi]), 0, qmax) : 0;
    }
    if (!(scale[gi] > 0)) scale[gi] = 1; // an all-zero column: any scale represents it exactly
  }
  const values = signed ? new Int8Array(x.length) : new Uint8Array(x.length);
  const [qlo, qhi] = signed ? [-qmax, qmax] : [0, qmax];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const gi = o.perChannel ? c : 0;
      const i = r * cols + c;
      values[i] = clamp(roundHalfEven(x[i] / scale[gi]) + zeroPoint[gi], qlo, qhi);
    }
  }
  return { values, scale, zeroPoint };
}

/** Dequantized value of element i (for tests and error reports). */
export function dequantize(q: QuantizedColumns, cols: number, i: number): number {
  const gi = q.scale.length === 1 ? 0 : i % cols;
  return (q.values[i] - q.zeroPoint[gi]) * q.scale[gi];
}

function int8Tensor(name: string, dims: number[], v: Int8Array | Uint8Array, type: 'int8' | 'uint8'): onnx.ITensorProto {
  return { name, dataType: type === 'int8' ? DT.INT8 : DT.UINT8, dims, rawData: new Uint8Array(v.buffer, v.byteOffset, v.byteLength) };
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
