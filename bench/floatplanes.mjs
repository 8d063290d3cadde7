// Byte planes of float32 files, for carrying weights to the GPU machine within the device tool's size limit:
// `shuffle` writes the 4 bytes of every float as 4 planes (sign/exponent bytes together compress ~4x under xz,
// where the interleaved file barely compresses); `unshuffle` restores the file exactly.
// Usage: node bench/floatplanes.mjs shuffle|unshuffle SRC DST
import { readFileSync, writeFileSync } from 'node:fs';

const [mode, src, dst] = process.argv.slice(2);
if (!['shuffle', 'unshuffle'].includes(mode) || !src || !dst) {
  console.error('usage: node bench/floatplanes.mjs shuffle|unshuffle SRC DST');
  process.exit(2);
}
const b = readFileSync(src);
if (b.length % 4) throw new Error(`${src}: ${b.length} bytes is not a whole number of float32 values`);
const n = b.length >> 2;
const out = Buffer.alloc(b.length);
if (mode === 'shuffle') for (let i = 0; i < n; i++) for (let k = 0; k < 4; k++) out[k * n + i] = b[4 * i + k];
else for (let i = 0; i < n; i++) for (let k = 0; k < 4; k++) out[4 * i + k] = b[k * n + i];
writeFileSync(dst, out);
