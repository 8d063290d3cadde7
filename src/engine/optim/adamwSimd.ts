// AdamW's elementwise update as a tiny WebAssembly SIMD kernel (f32x4), hand-assembled below so that no build
// tool or package is needed. The JavaScript loop in adamw.ts does one float64 sqrt and one float64 division per
// element (~10-16 ns/element on the 2-core VM, ~0.8 CPU-s per DistilBERT-size step); the kernel does four float32
// lanes at once. The parameter, gradient and moment arrays stay where they are (the runtime feeds them to
// onnxruntime): they are processed in chunks copied into the module's 512 KiB memory, which stays in the L2
// cache, so main-memory traffic is the same as the JavaScript loop's. Arithmetic is float32 like torch's AdamW.

const CHUNK = 32768; // floats per array per chunk: 4 arrays x 128 KiB = the module's 8 pages
const OFF = { p: 0, g: CHUNK * 4, m: 2 * CHUNK * 4, v: 3 * CHUNK * 4 };

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

/**
 * func adamw(n: i32, b1, b1c, b2, b2c, decay, stepSize, invBc2sqrt, eps: f32): for every 4 lanes i < n
 *   m = b1 m + b1c g;  v = b2 v + b2c g g;  p = p decay - stepSize m / (sqrt(v) invBc2sqrt + eps)
 */
function moduleBytes(): Uint8Array {
  const I32 = 0x7f,
    F32 = 0x7d,
    V128 = 0x7b;
  const get = (i: number) => [0x20, i],
    set = (i: number) => [0x21, i];
  const simd = (op: number) => [0xfd, ...uleb(op)];
  const load = (off: number) => [...simd(0x00), 4, ...uleb(off)]; // v128.load align=16
  const store = (off: number) => [...simd(0x0b), 4, ...uleb(off)];
  const [SPLAT, SQRT, ADD, SUB, MUL, DIV] = [0x13, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7].map(simd);
  // locals: params 0..8; v128 splats of params 1..8 at 9..16; i32 i (byte offset) 17, end 18; v128 m 19, v 20
  const I = 17,
    END = 18,
    M = 19,
    V = 20;
  const code = [
    ...[1, 2, 3, 4, 5, 6, 7, 8].flatMap((k) => [...get(k), ...SPLAT, ...set(8 + k)]),
    ...get(0),
    0x41,
    4,
    0x6c,
    ...set(END), // end = n * 4
    0x02,
    0x40,
    0x03,
    0x40, // block, loop
    ...get(I),
    ...get(END),
    0x4f,
    0x0d,
    1, // i >= end: break
    // m = b1 m + b1c g
    ...get(I),
    ...load(OFF.m),
    ...get(9),
    ...MUL,
    ...get(I),
    ...load(OFF.g),
    ...get(10),
    ...MUL,
    ...ADD,
    ...set(M),
    ...get(I),
    ...get(M),
    ...store(OFF.m),
    // v = b2 v + b2c g g
    ...get(I),
    ...load(OFF.v),
    ...get(11),
    ...MUL,
    ...get(I),
    ...load(OFF.g),
    ...get(12),
    ...MUL,
    ...get(I),
    ...load(OFF.g),
    ...MUL,
    ...ADD,
    ...set(V),
    ...get(I),
    ...get(V),
    ...store(OFF.v),
    // p = p decay - stepSize m / (sqrt(v) invBc2sqrt + eps)
    ...get(I),
    ...get(I),
    ...load(OFF.p),
    ...get(13),
    ...MUL,
    ...get(14),
    ...get(M),
    ...MUL,
    ...get(V),
    ...SQRT,
    ...get(15),
    ...MUL,
    ...get(16),
    ...ADD,
    ...DIV,
    ...SUB,
    ...store(OFF.p),
    ...get(I),
    0x41,
    16,
    0x6a,
    ...set(I), // i += 16
    0x0c,
    0, // br loop
    0x0b,
    0x0b, // end loop, end block
    0x0b, // end func
  ];
  const locals = [3, 8, V128, 2, I32, 2, V128];
  const body = [...locals, ...code];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [1, 0x60, 9, I32, ...Array(8).fill(F32), 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, 8]),
    ...section(7, [2, ...name('adamw'), 0x00, 0, ...name('mem'), 0x02, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

type Kernel = (n: number, b1: number, b1c: number, b2: number, b2c: number, decay: number, stepSize: number, invBc2sqrt: number, eps: number) => void;

let cached: { fn: Kernel; p: Float32Array; g: Float32Array; m: Float32Array; v: Float32Array } | null | undefined;

/** The compiled kernel, or null where WebAssembly SIMD is unavailable (the caller then uses the JS loop). */
function kernel(): typeof cached {
  if (cached !== undefined) return cached;
  try {
    // (the project's TypeScript lib has no WebAssembly declarations; Node has had SIMD since v16.4)
    const wasm = (
      globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object; Instance: new (m: object) => { exports: Record<string, unknown> } } }
    ).WebAssembly;
    const inst = new wasm.Instance(new wasm.Module(moduleBytes()));
    const mem = (inst.exports.mem as { buffer: ArrayBuffer }).buffer;
    const view = (off: number) => new Float32Array(mem, off, CHUNK);
    cached = { fn: inst.exports.adamw as Kernel, p: view(OFF.p), g: view(OFF.g), m: view(OFF.m), v: view(OFF.v) };
  } catch {
    cached = null;
  }
  return cached;
}

export const simdAvailable = (): boolean => kernel() !== null;

/**
 * The update of adamw.ts's adamwUpdate on float32 lanes; returns false (doing nothing) where the kernel is
 * unavailable. Coefficients as there: decay = 1 - lr wd, b1c = (1 - beta1) scale, b2c = (1 - beta2) scale^2.
 */
export function adamwSimd(
  p: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  c: { beta1: number; b1c: number; beta2: number; b2c: number; decay: number; stepSize: number; invBc2sqrt: number; eps: number },
): boolean {
  const k = kernel();
  if (!k) return false;
  const n = p.length;
  for (let off = 0; off < n; off += CHUNK) {
    const len = Math.min(CHUNK, n - off),
      end = off + len;
    k.p.set(p.subarray(off, end));
    k.g.set(grad.subarray(off, end));
    k.m.set(m.subarray(off, end));
    k.v.set(v.subarray(off, end));
    // lanes past len (up to the next multiple of 4) compute on stale values and are not copied back
    k.fn((len + 3) & ~3, c.beta1, c.b1c, c.beta2, c.b2c, c.decay, c.stepSize, c.invBc2sqrt, c.eps);
    p.set(k.p.subarray(0, len), off);
    m.set(k.m.subarray(0, len), off);
    v.set(k.v.subarray(0, len), off);
  }
  return true;
}
