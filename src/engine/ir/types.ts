// Core IR types. 'float64' is an engine-internal extension of the contract's DType: the gradient checks run in
// double precision where onnxruntime has double kernels.
export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'uint32' | 'bool';
/** A dimension: a number, or a symbol such as 'batch' / 'seq' (products of symbols are written 'batch*seq'). */
export type Dim = number | string;

export interface Tensor {
  readonly id: number;
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly Dim[];
}

export type Attr = { i: number } | { f: number } | { ints: readonly number[] } | { floats: readonly number[] } | { s: string };

/** One ONNX node. `meta` keeps build-time facts (axes, perm, exponent ...) that gradient rules need. */
export interface Node {
  readonly id: number;
  readonly op: string;
  readonly inputs: readonly (Tensor | null)[];
  readonly outputs: readonly Tensor[];
  readonly attrs: Readonly<Record<string, Attr>>;
  readonly meta: Readonly<Record<string, any>>;
}

/**
 * A composite's own backward (Graph.customGrad): maps the gradient of one node's output straight to gradients
 * of `inputs`, skipping the autodiff of the nodes in between. `G` is the Graph (kept generic: no import cycle).
 */
export interface CustomGrad<G = unknown> {
  readonly inputs: readonly Tensor[];
  readonly rule: (g: G, dy: Tensor) => Tensor[];
}

export interface ParamSpec {
  tensor: Tensor;
  shape: number[];
  trainable: boolean;
  decay: boolean;
}

export interface ConstantSpec {
  tensor: Tensor;
  values: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint32Array | Uint8Array;
}

/**
 * A dropout site. With masks 'inputs' (Graph option) `mask` is the bool keep-mask input the training program fills
 * each micro-step; with 'in-graph' the graph makes the mask itself and `end` is the int64 [1] input holding where
 * the site's elements end in the micro-step's stream (see train/rng.ts).
 */
export interface DropoutSite {
  rate: number;
  /** the shape of the dropped tensor (the mask's shape) */
  shape: readonly Dim[];
  mask?: Tensor;
  end?: Tensor;
}

export const isFloat = (d: DType): boolean => d === 'float32' || d === 'float64';

/** Values a constant is made from. */
export type Values = ArrayLike<number> | BigInt64Array;

/** ONNX TensorProto data type numbers. */
export const ONNX_DTYPE: Record<DType, number> = { float32: 1, int32: 6, int64: 7, bool: 9, float64: 11, uint32: 12 };

/** Constant values as the typed array of their dtype. */
export function toTyped(v: Values, dtype: DType): ConstantSpec['values'] {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(v as ArrayLike<number>);
    case 'float64':
      return Float64Array.from(v as ArrayLike<number>);
    case 'int32':
      return Int32Array.from(v as ArrayLike<number>);
    case 'uint32':
      return Uint32Array.from(v as ArrayLike<number>);
    case 'bool':
      return Uint8Array.from(v as ArrayLike<number>, (x) => (x ? 1 : 0));
    case 'int64':
      return v instanceof BigInt64Array ? v.slice() : BigInt64Array.from(Array.from(v as ArrayLike<number>, (x) => BigInt(x)));
  }
}
