// Encoded rows kept on disk, read back one batch at a time: a fine-tuning run's training split streams through
// tokenization into a file (the token cache entry, ./cache.ts, or a temporary file when the cache is off) and
// each optimizer step reads its rows with one positioned read per row. What stays in memory is the per-row
// index: the byte offset of each record (8 bytes a row), whatever the size of the dataset.
//
// File: a JSON header line (padded with spaces so the body starts at a multiple of 4 bytes), then one Int32
// record per row: doc, window, label (-1: none), length, and `length` ids.
import { closeSync, openSync, readSync, unlinkSync, writeSync, fstatSync } from 'node:fs';
import type { EncodedRow } from './strategies';

/** Rows by index, read from the file on demand. close() releases the file (and removes a temporary one). */
export interface TokenRows {
  readonly length: number;
  get(i: number): EncodedRow;
  /** The document of row i (kept in memory: no read). */
  doc(i: number): number;
  /** The number of ids of row i (from the index: no read). */
  size(i: number): number;
  close(): void;
}

/** Bytes of memory the index keeps per row: the record's byte offset and its document. */
export const INDEX_BYTES_PER_ROW = Float64Array.BYTES_PER_ELEMENT + Int32Array.BYTES_PER_ELEMENT;
/** Room left for the header when a file is written before its row count is known. */
export const HEADER_BYTES = 256;
const META = 4;

class FileRows implements TokenRows {
  private fd: number | undefined;
  private buf = new Int32Array(1024);
  constructor(
    private readonly file: string,
    fd: number,
    /** Byte offset of each record, plus the end of the last one. */
    private readonly offsets: Float64Array,
    private readonly docs: Int32Array,
    readonly length: number,
    private readonly temporary: boolean,
  ) {
    this.fd = fd;
  }
  doc(i: number): number {
    return this.docs[i];
  }
  size(i: number): number {
    return (this.offsets[i + 1] - this.offsets[i]) / 4 - META;
  }
  get(i: number): EncodedRow {
    if (this.fd === undefined) throw new Error('token rows read after close()');
    if (!(i >= 0 && i < this.length)) throw new Error(`token row ${i} is out of range (0..${this.length - 1})`);
    const bytes = this.offsets[i + 1] - this.offsets[i];
    if (this.buf.byteLength < bytes) this.buf = new Int32Array(Math.ceil(bytes / 4) * 2);
    const u8 = new Uint8Array(this.buf.buffer, 0, bytes);
    let got = 0;
    while (got < bytes) {
      const n = readSync(this.fd, u8, got, bytes - got, this.offsets[i] + got);
      if (n === 0) throw new Error(`token file ${this.file} ended early (removed or truncated while in use)`);
      got += n;
    }
    const b = this.buf;
    const row: EncodedRow = { ids: Array.from(b.subarray(META, META + b[3])), doc: b[0], window: b[1] };
    if (b[2] >= 0) row.label = b[2];
    return row;
  }
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    if (this.temporary) {
      try {
        unlinkSync(this.file);
      } catch {
        // already gone
      }
    }
  }
}

/** A growable typed array (record offsets, documents). */
class Grow<T extends Float64Array | Int32Array> {
  n = 0;
  constructor(public data: T) {}
  push(v: number): void {
    if (this.n === this.data.length) {
      const next = new (this.data.constructor as new (n: number) => T)(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.n++] = v;
  }
  done(): T {
    return this.data.slice(0, this.n) as T;
  }
}

/**
 * Writes rows to `file` as they come (fixed-size header room first, the header itself at the end) and returns
 * them as TokenRows over the same file. `temporary`: the file is removed on close().
 */
export function writeTokenRows(
  file: string,
  header: (rows: number) => Record<string, unknown>,
  each: (emit: (row: EncodedRow) => void) => void,
  temporary = false,
): TokenRows {
  const fd = openSync(file, 'w+');
  try {
    const offsets = new Grow(new Float64Array(1024));
    const docs = new Grow(new Int32Array(1024));
    const chunk = new Int32Array(1 << 16);
    let fill = 0;
    let pos = HEADER_BYTES;
    let rows = 0;
    const flush = () => {
      const u8 = new Uint8Array(chunk.buffer, 0, fill * 4);
      let done = 0;
      while (done < u8.length) done += writeSync(fd, u8, done, u8.length - done, pos + done);
      pos += u8.length;
      fill = 0;
    };
    const put = (v: number) => {
      if (fill === chunk.length) flush();
      chunk[fill++] = v;
    };
    each((r) => {
      offsets.push(pos + fill * 4);
      docs.push(r.doc);
      put(r.doc);
      put(r.window);
      put(r.label ?? -1);
      put(r.ids.length);
      for (let j = 0; j < r.ids.length; j++) put(r.ids[j]);
      rows++;
    });
    flush();
    offsets.push(pos);
    let head = JSON.stringify(header(rows));
    if (head.length + 1 > HEADER_BYTES) throw new Error('token file header too long');
    head = head.padEnd(HEADER_BYTES - 1, ' ') + '\n';
    writeSync(fd, head, 0, 'utf8');
    return new FileRows(file, fd, offsets.done(), docs.done(), rows, temporary);
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(file);
    } catch {
      // nothing written
    }
    throw e;
  }
}

/**
 * Opens a token file: its header (for the caller to check) and its rows, indexed by one pass over the records.
 * undefined when the file is missing, short or damaged.
 */
export function openTokenRows(file: string, check: (header: Record<string, unknown>) => number | undefined): TokenRows | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const first = Buffer.alloc(Math.min(size, 4096));
    readSync(fd, first, 0, first.length, 0);
    const nl = first.indexOf(10);
    if (nl < 0) throw new Error('no header');
    const rows = check(JSON.parse(first.subarray(0, nl).toString('utf8')) as Record<string, unknown>);
    const bodyStart = nl + 1;
    if (rows === undefined || bodyStart % 4 !== 0 || (size - bodyStart) % 4 !== 0) throw new Error('bad header');
    // One pass over the records in 1 MB reads: each record's offset, and the walk must end at the file's end.
    const offsets = new Float64Array(rows + 1);
    const docs = new Int32Array(rows);
    const block = Buffer.alloc(1 << 20);
    const meta = new Int32Array(META);
    const metaBytes = new Uint8Array(meta.buffer);
    let blockStart = -1;
    let blockLen = 0;
    let pos = bodyStart;
    for (let i = 0; i < rows; i++) {
      if (pos + META * 4 > size) throw new Error('short');
      if (pos < blockStart || pos + META * 4 > blockStart + blockLen) {
        blockStart = pos;
        blockLen = readSync(fd, block, 0, block.length, pos);
      }
      metaBytes.set(block.subarray(pos - blockStart, pos - blockStart + META * 4));
      const len = meta[3];
      if (len < 0) throw new Error('bad length');
      offsets[i] = pos;
      docs[i] = meta[0];
      pos += (META + len) * 4;
    }
    if (pos !== size) throw new Error('trailing bytes');
    offsets[rows] = pos;
    return new FileRows(file, fd, offsets, docs, rows, false);
  } catch {
    closeSync(fd);
    return undefined;
  }
}

/** Rows held in memory (tests, small sets) behind the same interface. */
export function memoryTokenRows(rows: readonly EncodedRow[]): TokenRows {
  return { length: rows.length, get: (i) => rows[i], doc: (i) => rows[i].doc, size: (i) => rows[i].ids.length, close: () => undefined };
}
