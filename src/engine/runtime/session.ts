// Compiles a Graph into one long-lived onnxruntime-node InferenceSession and runs it with named feeds.
// Inputs are wrapped by onnxruntime without copying, so callers can keep parameters in their own
// Float32Arrays and feed the same arrays every run.
import * as ort from 'onnxruntime-node';
import type { Graph } from '../ir/graph';
import type { DType, Tensor } from '../ir/types';
import { fmt, numel } from '../ir/shape';
import { serialize } from '../onnx/writer';

export type TypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint32Array | Uint8Array;
export interface TensorData {
  data: TypedArray;
  dims: readonly number[];
}

export interface SessionOptions {
  /** intra-op threads (default: onnxruntime's choice, one per core) */
  threads?: number;
  /** execution providers, default ['cpu'] */
  providers?: string[];
  graphOptimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** let idle intra-op threads spin between ops (onnxruntime's default); off by default, see sessionOptions */
  spinning?: boolean;
}

const ORT_TYPE: Record<DType, ort.Tensor.Type> = { float32: 'float32', float64: 'float64', int64: 'int64', int32: 'int32', uint32: 'uint32', bool: 'bool' };

export class Program {
  private constructor(
    readonly session: ort.InferenceSession,
    /** the graph inputs this program needs, by name */
    readonly inputs: ReadonlyMap<string, Tensor>,
    readonly outputNames: readonly string[],
    readonly modelBytes: number,
  ) {}

  static async compile(g: Graph, opts: SessionOptions = {}): Promise<Program> {
    const s = serialize(g);
    const byName = new Map<string, Tensor>();
    for (const t of g.tensors) if (s.inputNames.includes(t.name)) byName.set(t.name, t);
    const session = await ort.InferenceSession.create(s.bytes, sessionOptions(opts));
    return new Program(session, byName, s.outputNames, s.bytes.byteLength);
  }

  /** Runs with the given feeds (extra feeds are ignored); returns the requested outputs (default: all). */
  async run(feeds: Readonly<Record<string, TensorData | ort.Tensor>>, outputs?: readonly string[]): Promise<Record<string, TensorData>> {
    const f: Record<string, ort.Tensor> = {};
    for (const [name, t] of this.inputs) {
      const v = feeds[name];
      if (!v) throw new Error(`run: missing input '${name}' (${t.dtype} ${fmt(t.shape)})`);
      f[name] = v instanceof ort.Tensor ? (v as ort.Tensor) : toOrt(name, t.dtype, v as TensorData);
    }
    const res = await this.session.run(f, outputs ? [...outputs] : [...this.outputNames]);
    const out: Record<string, TensorData> = {};
    for (const [k, v] of Object.entries(res)) out[k] = { data: v.data as TypedArray, dims: v.dims };
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

export function sessionOptions(opts: SessionOptions): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: opts.providers ?? ['cpu'],
    ...(opts.threads ? { intraOpNumThreads: opts.threads } : {}),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: opts.graphOptimization ?? 'all',
    // Spinning worker threads would burn the second core while TypeScript runs the optimizer (and other work's
    // CPU on a shared machine); `spinning: true` is there to measure the wake-up cost this saves on an idle one.
    extra: { session: { intra_op: { allow_spinning: opts.spinning ? '1' : '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

export function toOrt(name: string, dtype: DType, v: TensorData): ort.Tensor {
  if (v.data.length !== numel(v.dims as number[])) throw new Error(`input '${name}': ${v.data.length} values for dims ${fmt(v.dims)}`);
  const want = { float32: Float32Array, float64: Float64Array, int64: BigInt64Array, int32: Int32Array, uint32: Uint32Array, bool: Uint8Array }[dtype];
  if (!(v.data instanceof want)) throw new Error(`input '${name}': expected ${dtype} data (${want.name}), got ${v.data.constructor.name}`);
  return new ort.Tensor(ORT_TYPE[dtype], v.data as any, v.dims as number[]);
}

/** An onnxruntime tensor of engine tensor data (its type read from the typed array), or the tensor itself. */
export function tensorOf(v: TensorData | ort.Tensor): ort.Tensor {
  if (v instanceof ort.Tensor) return v;
  const type =
    v.data instanceof Float32Array
      ? 'float32'
      : v.data instanceof BigInt64Array
        ? 'int64'
        : v.data instanceof Int32Array
          ? 'int32'
          : v.data instanceof Float64Array
            ? 'float64'
            : 'bool';
  return new ort.Tensor(type, v.data as any, v.dims as number[]);
}

/** Bytes of a tensor's data. */
export function byteSize(t: ort.Tensor): number {
  const d = t.data as ArrayBufferView;
  return d.byteLength;
}
