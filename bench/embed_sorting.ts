// Frozen USE Lite sentence embeddings: windows in text order (chunks of 256, sorted only inside each chunk, as
// embedTexts did before) vs all windows sorted by length first (embedTexts now), side by side in one run.
// Reports wall time and process CPU time (the fair measure on a shared machine).
// Usage: npx tsx bench/embed_sorting.ts [reviews=40] [batch sizes...=64 256]
import { UseLiteEmbedder } from '../src/engine/models/useLite';
import { loadStarterModel, useLiteTextWindows } from '../src/host/models/starter';
import { loadBuiltin } from '../src/host/data';
async function main() {
  const n = Number(process.argv[2] ?? 40);
  const ds = loadBuiltin('movie-reviews');
  const texts = ds.examples
    .filter((_, i) => i % Math.floor(2000 / n) === 0)
    .slice(0, n)
    .map((e) => e.text);
  const sm = loadStarterModel();
  let c0 = process.cpuUsage();
  let t0 = Date.now();
  const wins = texts.map((t) => useLiteTextWindows(sm.tokenizer, t, 'sentences')).flat();
  let c = process.cpuUsage(c0);
  console.log(
    `tokenize ${n}: wall ${Date.now() - t0} ms cpu ${((c.user + c.system) / 1000).toFixed(0)} ms; ${wins.length} windows, mean len ${(wins.reduce((a, w) => a + w.length, 0) / wins.length).toFixed(1)}`,
  );
  const sizes = process.argv.length > 3 ? process.argv.slice(3).map(Number) : [64, 256];
  for (const bs of sizes) {
    const emb = await UseLiteEmbedder.create(sm.weights, { batchSize: bs });
    for (const mode of ['chunk256-unsorted', 'global-sorted']) {
      const order = wins.map((_, i) => i);
      if (mode === 'global-sorted') order.sort((a, b) => wins[a].length - wins[b].length);
      c0 = process.cpuUsage();
      t0 = Date.now();
      for (let i = 0; i < order.length; i += 256) await emb.embed(order.slice(i, i + 256).map((j) => wins[j]));
      c = process.cpuUsage(c0);
      const w = (Date.now() - t0) / 1000;
      console.log(
        `bs ${bs} ${mode}: wall ${w.toFixed(1)} s (${(n / w).toFixed(2)} texts/s), process cpu ${((c.user + c.system) / 1e6).toFixed(1)} s (${(n / ((c.user + c.system) / 1e6)).toFixed(2)} texts per cpu-s)`,
      );
    }
    await emb.dispose();
  }
}
void main();
