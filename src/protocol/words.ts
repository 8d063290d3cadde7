// One definition of a text's length in words, shared by the mistakes browser (src/ui), the reflection and the
// reports (src/host): whitespace-separated tokens of the text as stored, and word-count quartiles as inclusive
// ranges. Pure functions; imports nothing.

/** Words of a text: its whitespace-separated tokens as stored ("isn't", "--" and "film." count one each). */
export function wordCount(text: string): number {
  const m = text.match(/\S+/g);
  return m ? m.length : 0;
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
