// Embedding many texts in bounded memory: the frozen-embedding baselines embed consecutive groups of texts.

/** Texts embedded per group: windows (token ids, then their 512-float embeddings) exist for one group at a time. */
export const EMBED_GROUP_TEXTS = 512;

/**
 * Runs embed on consecutive groups of at most groupSize texts and collects the rows into one [texts x dim] buffer,
 * so the memory for windows and intermediate embeddings is bounded by the group, not the dataset. onProgress
 * gets texts done (within a group, interpolated from the group's own fraction).
 */
export async function embedInGroups(
  texts: string[],
  dim: number,
  embed: (group: string[], onFraction: (f: number) => void) => Promise<Float32Array[]>,
  onProgress: (done: number, total: number) => void = () => undefined,
  groupSize = EMBED_GROUP_TEXTS,
): Promise<Float32Array[]> {
  const out = new Float32Array(texts.length * dim);
  for (let g = 0; g < texts.length; g += groupSize) {
    const group = texts.slice(g, g + groupSize);
    const rows = await embed(group, (f) => onProgress(Math.min(texts.length, g + Math.floor(f * group.length)), texts.length));
    rows.forEach((r, i) => out.set(r, (g + i) * dim));
    onProgress(g + group.length, texts.length);
  }
  return texts.map((_, i) => out.subarray(i * dim, (i + 1) * dim));
}
