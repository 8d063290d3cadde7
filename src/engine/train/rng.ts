// Counter-based dropout masks: the mask of dropout site `site` in micro-step `counter` depends only on
// (seed, counter, site), so a run resumed from a checkpoint (which stores the counter) draws the same masks.
// Masks are generated in TypeScript and fed as bool inputs (onnxruntime's Dropout seed is not resumable).

/** 32-bit mix (lowbias32 by Chris Wellons); good avalanche for seeding. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

export function streamSeed(seed: number, counter: number, site: number): number {
  let h = mix32((seed >>> 0) ^ 0x9e3779b9);
  h = mix32(h ^ (counter >>> 0));
  h = mix32(h ^ Math.floor(counter / 2 ** 32));
  h = mix32(h ^ Math.imul(site + 1, 0x85ebca6b));
  return h || 0x6d2b79f5; // xorshift state must be non-zero
}

/**
 * Fill `mask` with keep flags (1 with probability 1 - rate) from the stream (seed, counter, site). Each 32-bit
 * xorshift draw decides two elements (16 bits each), so the rate is applied in steps of 1/65536.
 */
export function fillKeepMask(mask: Uint8Array, rate: number, seed: number, counter: number, site: number): void {
  let x = streamSeed(seed, counter, site);
  const threshold = Math.round(rate * 65536);
  const n = mask.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    // xorshift32: fast, full period 2^32-1; fine for Bernoulli masks
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    mask[i] = (x & 0xffff) >= threshold ? 1 : 0;
    mask[i + 1] = x >>> 16 >= threshold ? 1 : 0;
  }
  if (i < n) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    mask[i] = (x & 0xffff) >= threshold ? 1 : 0;
  }
}
