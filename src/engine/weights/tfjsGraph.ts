// Reads a TensorFlow.js graph model (model.json + binary weight shards) straight from disk, without TF.js.
// Format (tfjs-converter "graph-model"): model.json = { modelTopology: GraphDef-as-JSON, weightsManifest:
// [{ paths: [shard files], weights: [{ name, shape, dtype, quantization? }] }] }. The shards of one group are
// one byte stream cut into files; each weight occupies prod(shape) * bytesPerElement bytes in manifest order.
// Quantized weights (tfjs-converter --quantize_*) store uint8/uint16 affine codes (value = code * scale + min)
// or float16; they are expanded to float32 here so callers always get plain numbers.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface TfjsTensor {
  readonly dtype: 'float32' | 'int32' | 'bool';
  readonly shape: number[];
  /** float32 weights as Float32Array; int32 and bool constants as Int32Array. */
  readonly data: Float32Array | Int32Array;
}

export interface TfjsGraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, unknown>;
}

export interface TfjsGraphModel {
  nodes: TfjsGraphNode[];
  weights: Map<string, TfjsTensor>;
}

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}
interface ManifestGroup {
  paths: string[];
  weights: ManifestEntry[];
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

function fail(msg: string): never {
  throw new Error(msg);
}

/** Decodes an IEEE half-precision value. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function decode(entry: ManifestEntry, bytes: Buffer): TfjsTensor {
  const n = entry.shape.reduce((a, b) => a * b, 1);
  const shape = [...entry.shape];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = entry.quantization;
  if (q) {
    const out = new Float32Array(n);
    if (q.dtype === 'float16') {
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
    } else if (q.dtype === 'uint8' || q.dtype === 'uint16') {
      const scale = q.scale ?? fail(`tfjs weight ${entry.name}: quantization without scale`);
      const min = q.min ?? fail(`tfjs weight ${entry.name}: quantization without min`);
      for (let i = 0; i < n; i++) out[i] = (q.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(2 * i, true)) * scale + min;
    } else {
      fail(`tfjs weight ${entry.name}: unsupported quantization dtype ${q.dtype}`);
    }
    if (entry.dtype === 'int32') return { dtype: 'int32', shape, data: Int32Array.from(out, Math.round) };
    return { dtype: 'float32', shape, data: out };
  }
  if (entry.dtype === 'float32') {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
    return { dtype: 'float32', shape, data: out };
  }
  if (entry.dtype === 'int32') {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, true);
    return { dtype: 'int32', shape, data: out };
  }
  if (entry.dtype === 'bool') {
    return { dtype: 'bool', shape, data: Int32Array.from(bytes.subarray(0, n)) };
  }
  return fail(`tfjs weight ${entry.name}: unsupported dtype ${entry.dtype} (expected float32, int32 or bool)`);
}

/** Parses model.json and its weight shards. `modelJsonPath` is the path of model.json; shards sit beside it. */
export function readTfjsGraphModel(modelJsonPath: string): TfjsGraphModel {
  let json: { modelTopology?: { node?: TfjsGraphNode[] }; weightsManifest?: ManifestGroup[] };
  try {
    json = JSON.parse(readFileSync(modelJsonPath, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read TF.js model ${modelJsonPath}: ${(e as Error).message}`);
  }
  const groups = json.weightsManifest ?? fail(`${modelJsonPath} has no weightsManifest: not a TF.js graph model`);
  const nodes = json.modelTopology?.node ?? fail(`${modelJsonPath} has no modelTopology.node: not a TF.js graph model`);
  const dir = dirname(modelJsonPath);
  const weights = new Map<string, TfjsTensor>();
  for (const group of groups) {
    const buf = Buffer.concat(
      group.paths.map((p) => {
        try {
          return readFileSync(join(dir, p));
        } catch {
          return fail(`TF.js weight shard ${join(dir, p)} is missing: reinstall the model package`);
        }
      }),
    );
    let offset = 0;
    for (const entry of group.weights) {
      const n = entry.shape.reduce((a, b) => a * b, 1);
      const bytesPer = BYTES[entry.quantization?.dtype ?? entry.dtype] ?? fail(`tfjs weight ${entry.name}: unknown dtype ${entry.dtype}`);
      const size = n * bytesPer;
      if (offset + size > buf.length) fail(`TF.js weight shards of ${modelJsonPath} are truncated at ${entry.name}`);
      weights.set(entry.name, decode(entry, buf.subarray(offset, offset + size)));
      offset += size;
    }
    if (offset !== buf.length) fail(`TF.js weight shards of ${modelJsonPath} hold ${buf.length - offset} unexpected extra bytes`);
  }
  return { nodes, weights };
}
