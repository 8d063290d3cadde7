// Turns file bytes into text: UTF-8 (BOM stripped), UTF-16 with a BOM, and Latin-1 as the fallback for bytes that
// are not valid UTF-8 (with a warning, since that guess can be wrong for other 8-bit encodings).
import { DatasetError } from './types';

export type Encoding = 'auto' | 'utf-8' | 'latin1';

export interface Decoded {
  text: string;
  encoding: 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1';
  warning?: string;
}

/** 1-based line number of byte offset `at` in `buf`. */
function lineOf(buf: Uint8Array, at: number): number {
  let line = 1;
  for (let i = 0; i < at && i < buf.length; i++) if (buf[i] === 0x0a) line++;
  return line;
}

/** Mostly-ASCII UTF-16: NUL in every other byte of the first few hundred. */
function looksUtf16(b: Uint8Array): boolean {
  const n = Math.min(b.length, 512) & ~1;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) even++;
    if (b[i + 1] === 0) odd++;
  }
  return n >= 8 && Math.max(even, odd) >= 0.8 * (n / 2);
}

/** Offset of the first byte that breaks UTF-8, or -1 when the whole buffer is valid. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) { i++; continue; }
    let n: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) { n = 1; min = 0x80; } else if (c >= 0xe0 && c <= 0xef) { n = 2; min = 0x800; } else if (c >= 0xf0 && c <= 0xf4) { n = 3; min = 0x10000; } else return i;
    if (i + n >= b.length) return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

/**
 * Decodes `buf` read from `file`. Binary content (a NUL byte without a UTF-16 BOM) is a DatasetError: the usual cause is
 * pointing at a spreadsheet, archive or model file instead of a text export.
 */
export function decodeText(buf: Uint8Array, file: string, encoding: Encoding = 'auto'): Decoded {
  if (buf.length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))) {
    const le = buf[0] === 0xff;
    return { text: new TextDecoder(le ? 'utf-16le' : 'utf-16be').decode(buf.subarray(2)), encoding: le ? 'utf-16le' : 'utf-16be' };
  }
  const nul = buf.indexOf(0);
  if (nul >= 0) {
    const zip = buf[0] === 0x50 && buf[1] === 0x4b ? ' (it is a ZIP archive, e.g. .xlsx: export the sheet as CSV)' : looksUtf16(buf) ? ' (it looks like UTF-16 without a byte-order mark: re-save it as UTF-8)' : '';
    throw new DatasetError(`${file} line ${lineOf(buf, nul)}: binary content (NUL byte at offset ${nul})${zip}; give a UTF-8 or Latin-1 text file (CSV, TSV, JSONL or .txt)`);
  }
  if (encoding === 'latin1') return { text: new TextDecoder('latin1').decode(buf), encoding: 'latin1' };
  const body = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? buf.subarray(3) : buf;
  const bad = firstInvalidUtf8(body);
  if (bad < 0) return { text: new TextDecoder('utf-8').decode(body), encoding: 'utf-8' };
  if (encoding === 'utf-8') {
    throw new DatasetError(`${file} line ${lineOf(body, bad)}: not valid UTF-8 (byte 0x${body[bad].toString(16)} at offset ${bad}); re-save it as UTF-8 or read it as Latin-1 (--encoding latin1)`);
  }
  // 'latin1' in the WHATWG decoder is windows-1252, which also maps 0x80-0x9f (curly quotes, dashes) sensibly.
  return {
    text: new TextDecoder('latin1').decode(buf),
    encoding: 'latin1',
    warning: `${file} line ${lineOf(body, bad)}: not valid UTF-8 (byte 0x${body[bad].toString(16)}); read it as Latin-1 (Windows-1252) instead; pass --encoding utf-8 to make this an error`,
  };
}
