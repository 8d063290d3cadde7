// One definition of a text's length in words, shared by the mistakes browser (src/ui), the reflection and the
// reports (src/host): whitespace-separated tokens of the text as stored, and word-count quartiles as inclusive
// ranges. Pure functions; imports nothing.

/** Words of a text: its whitespace-separated tokens as stored ("isn't", "--" and "film." count one each). */
export function wordCount(text: string): number {
  // Counted in one pass without building the tokens (text.match(/\S+/g) made ~6 million strings for the mistakes
  // browser's 15,000 test reviews); isSpace is exactly JavaScript's \s, so the count equals that of /\S+/g.
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const space = isSpace(text.charCodeAt(i));
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}

function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/** A word-count range (inclusive) of the texts: one quartile. */
export interface WordRange {
  min: number;
  max: number;
}

/**
 * Word-count quartiles: cut points are the nearest-rank 25th, 50th and 75th percentiles of the counts, each
 * range inclusive; ties that would leave a quartile empty merge it into the one before (so there may be fewer
 * than four). Every count falls in exactly one range.
 */
export function wordQuartiles(counts: readonly number[]): WordRange[] {
  if (counts.length === 0) return [];
  const sorted = [...counts].sort((a, b) => a - b);
  const n = sorted.length;
  const cuts = [1, 2, 3].map((k) => sorted[Math.max(0, Math.ceil((k * n) / 4) - 1)]);
  const ranges: WordRange[] = [];
  let lo = sorted[0];
  for (const c of [...cuts, sorted[n - 1]]) {
    if (c < lo) continue;
    ranges.push({ min: lo, max: c });
    lo = c + 1;
  }
  return ranges;
}

/** Index of the range holding `count` (-1 when none does). */
export function rangeIndex(ranges: readonly WordRange[], count: number): number {
  return ranges.findIndex((r) => count >= r.min && count <= r.max);
}
