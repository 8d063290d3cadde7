// The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian header length N,
// N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {string: string}},
// then the raw little-endian tensor bytes, offsets relative to the end of the header.
// Tensors are read one at a time into their own buffers (never the whole file at once), so checkpoints larger
// than Node's 2 GiB Buffer limit load, and typed arrays are always aligned.
import { closeSync, fsyncSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** dtype of the data held in memory; F16/BF16/F64 are widened/narrowed to F32 on read. */
export type SafeDType = 'F32' | 'I64' | 'I32';
export type SafeData = Float32Array | BigInt64Array | Int32Array;

export interface SafeTensor {
  dtype: SafeDType;
  shape: number[];
  data: SafeData;
  /** dtype as stored in the file (e.g. 'BF16' for a tensor converted to F32). */
  storedDtype?: string;
}

const BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const MAX_HEADER = 100 * 1024 * 1024;

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Source of bytes: an in-memory buffer or an open file descriptor. */
interface ByteSource {
  size: number;
  read(offset: number, length: number): Buffer;
  label: string;
}

function bufferSource(buf: Buffer, label: string): ByteSource {
  return { size: buf.length, label, read: (offset, length) => buf.subarray(offset, offset + length) };
}

function fileSource(fd: number, label: string): ByteSource {
  const size = statSync(label).size;
  return {
    size,
    label,
    read(offset, length) {
      const out = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, length - done, offset + done);
        if (n === 0) throw new Error(`${label}: unexpected end of file (truncated safetensors file?)`);
        done += n;
      }
      return out;
    },
  };
}

function parseHeader(src: ByteSource): { entries: Map<string, HeaderEntry>; metadata: Record<string, string>; dataStart: number } {
  const bad = (why: string) => new Error(`${src.label}: not a valid safetensors file (${why})`);
  if (src.size < 8) throw bad('shorter than 8 bytes');
  const n = Number(src.read(0, 8).readBigUInt64LE(0));
  if (n <= 0 || n > MAX_HEADER || 8 + n > src.size) throw bad(`header length ${n} does not fit a ${src.size}-byte file`);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(src.read(8, n).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw bad('header is not JSON');
  }
  const dataStart = 8 + n;
  const entries = new Map<string, HeaderEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(json)) {
    if (name === '__metadata__') {
      metadata = (v ?? {}) as Record<string, string>;
      continue;
    }
    const e = v as HeaderEntry;
    if (!e || typeof e.dtype !== 'string' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets)) throw bad(`entry '${name}' is malformed`);
    const width = BYTES[e.dtype];
    if (width === undefined) throw bad(`tensor '${name}' has unsupported dtype ${e.dtype}`);
    const count = e.shape.reduce((a, b) => a * b, 1);
    const [begin, end] = e.data_offsets;
    if (end - begin !== count * width || dataStart + end > src.size) {
      throw bad(`tensor '${name}' offsets [${begin}, ${end}] do not match shape [${e.shape}] ${e.dtype} or the file size`);
    }
    entries.set(name, e);
  }
  return { entries, metadata, dataStart };
}

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function decode(bytes: Buffer, dtype: string, count: number): { dtype: SafeDType; data: SafeData } {
  // Copy into a fresh ArrayBuffer: the slice may be unaligned and must not alias a shared buffer.
  const ab = new ArrayBuffer(bytes.length);
  new Uint8Array(ab).set(bytes);
  switch (dtype) {
    case 'F32':
      return { dtype: 'F32', data: new Float32Array(ab) };
    case 'I64':
      return { dtype: 'I64', data: new BigInt64Array(ab) };
    case 'I32':
      return { dtype: 'I32', data: new Int32Array(ab) };
    case 'F64':
      return { dtype: 'F32', data: Float32Array.from(new Float64Array(ab)) };
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const src = new Uint16Array(ab);
      const out = new Uint32Array(count);
      for (let i = 0; i < count; i++) out[i] = src[i] << 16;
      return { dtype: 'F32', data: new Float32Array(out.buffer) };
    }
    case 'F16': {
      const src = new Uint16Array(ab);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = f16ToF32(src[i]);
      return { dtype: 'F32', data: out };
    }
    case 'I16':
      return { dtype: 'I32', data: Int32Array.from(new Int16Array(ab)) };
    case 'I8':
      return { dtype: 'I32', data: Int32Array.from(new Int8Array(ab)) };
    case 'U8':
    case 'BOOL':
      return { dtype: 'I32', data: Int32Array.from(new Uint8Array(ab)) };
    default:
      throw new Error(`unsupported safetensors dtype ${dtype}`);
  }
}

export interface ReadOptions {
  /** Read only tensors whose name passes this filter (skips e.g. an MLM head nobody needs). */
  filter?: (name: string) => boolean;
}

function readFrom(src: ByteSource, opts: ReadOptions): { tensors: Map<string, SafeTensor>; metadata: Record<string, string> } {
  const { entries, metadata, dataStart } = parseHeader(src);
  const tensors = new Map<string, SafeTensor>();
  for (const [name, e] of entries) {
    if (opts.filter && !opts.filter(name)) continue;
    const [begin, end] = e.data_offsets;
    const count = e.shape.reduce((a, b) => a * b, 1);
    const { dtype, data } = decode(src.read(dataStart + begin, end - begin), e.dtype, count);
    tensors.set(name, { dtype, shape: [...e.shape], data, ...(dtype !== e.dtype ? { storedDtype: e.dtype } : {}) });
  }
  return { tensors, metadata };
}

/** Reads every tensor of a .safetensors file (path) or buffer. */
export function readSafetensors(source: string | Buffer, opts: ReadOptions = {}): Map<string, SafeTensor> {
  return readSafetensorsWithMetadata(source, opts).tensors;
}

export function readSafetensorsWithMetadata(
  source: string | Buffer,
  opts: ReadOptions = {},
): { tensors: Map<string, SafeTensor>; metadata: Record<string, string> } {
  if (typeof source !== 'string') return readFrom(bufferSource(source, 'safetensors buffer'), opts);
  let fd: number;
  try {
    fd = openSync(source, 'r');
  } catch (e) {
    throw new Error(`cannot open ${source}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    return readFrom(fileSource(fd, source), opts);
  } finally {
    closeSync(fd);
  }
}

function checkTensor(name: string, t: SafeTensor): void {
  const count = t.shape.reduce((a, b) => a * b, 1);
  const want = t.dtype === 'F32' ? Float32Array : t.dtype === 'I64' ? BigInt64Array : Int32Array;
  if (!(t.data instanceof want)) throw new Error(`writeSafetensors: tensor '${name}' is ${t.dtype} but its data is a ${t.data.constructor.name}`);
  if (t.data.length !== count) throw new Error(`writeSafetensors: tensor '${name}' has ${t.data.length} values, shape [${t.shape}] needs ${count}`);
}

/**
 * Writes tensors in map order. Atomic: the bytes go to a temporary file in the same folder, are fsynced, and
 * the file is renamed over `path`, so a crash never leaves a half-written checkpoint under the real name.
 */
export function writeSafetensors(path: string, tensors: Map<string, SafeTensor>, metadata?: Record<string, string>): void {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    checkTensor(name, t);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  // Pad the header with spaces so the data section starts 8-byte aligned (as the reference writer does).
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));

  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, len);
    writeAll(fd, json);
    for (const t of tensors.values()) writeAll(fd, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  // Persist the rename itself (directory entry); not supported on every platform, so best effort.
  try {
    const dfd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* e.g. Windows cannot open directories */
  }
}

function writeAll(fd: number, buf: Buffer): void {
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
}
