// Cost of one 'sentence-mean' training step of the starter model (or a BERT of MiniLM's shape, below; 16 reviews x 8 sampled sentences), per piece
// length cap and trainLayers setting, with the pieces one per padded row and packed several to a row (the default
// from this bench's commit), side by side in one run, alternating step by step: wall time and process CPU time per
// step (CPU time is the fair measure on a shared machine; on an idle 2-core machine wall is about CPU / 2), and the
// ratio padded / packed. One per row, a batch pads to its longest piece: sentences average ~31 tokens, so a 64-token
// cap computes about half padding and a 128-token cap three quarters.
// `minilm`: a BERT encoder of all-MiniLM-L6-v2's shape (6 layers, hidden 384, 12 heads, feed-forward 1536; random
// weights, as no BERT checkpoint ships offline: the cost does not depend on the values) on the same pieces, token ids
// from the starter's tokenizer (a WordPiece tokenizer makes pieces a little longer: [CLS], [SEP], sub-words). Its
// encoder has dropout (0.1), whose masks are drawn per row, so the two layouts' losses differ by dropout noise there
// (equality without dropout: test/unit/engine/packed-encoders.test.ts); the starter has no dropout in its encoder.
// Usage: npx tsx bench/docpool_step.ts [steps per case, default 6] [starter|minilm, default starter]
import { cpus } from 'node:os';
import { createTrainer, type TrainLayers } from '../src/engine';
import { createClassifier, NormalRng, parseHfConfig } from '../src/engine/models';
import { DocPoolClassifier, type PoolingClassifier } from '../src/engine/models/docPool';
import { loadTrainableModel } from '../src/host/train/model';
import { docPoolTrainBatch, encodeSentencePieces, piecesByDocument } from '../src/host/train/docPool';
import { loadBuiltin } from '../src/host/data';

/** all-MiniLM-L6-v2's shape over the starter's 8002 token ids, random weights (N(0, 0.02), LayerNorm scales 1). */
function miniLmShaped(): { model: PoolingClassifier; weights: Map<string, Float32Array> } {
  const config = parseHfConfig({
    model_type: 'bert',
    vocab_size: 8002,
    hidden_size: 384,
    num_hidden_layers: 6,
    num_attention_heads: 12,
    intermediate_size: 1536,
    max_position_embeddings: 512,
    type_vocab_size: 2,
    pad_token_id: 0,
    hidden_act: 'gelu',
  });
  const model = createClassifier(config, 2);
  const rng = new NormalRng(1);
  const weights = new Map(
    model.params.map((p) => {
      const n = p.shape.reduce((a, b) => a * b, 1);
      const norm = /LayerNorm/.test(p.name) && p.name.endsWith('.weight');
      return [p.name, Float32Array.from({ length: n }, () => (norm ? 1 : 0.02 * rng.next()))];
    }),
  );
  return { model: model as unknown as PoolingClassifier, weights };
}

async function main(): Promise<void> {
  const steps = Number(process.argv[2] ?? 6);
  const which = process.argv[3] ?? 'starter';
  if (which !== 'starter' && which !== 'minilm') throw new Error(`model '${which}': choose starter or minilm`);
  const ex = loadBuiltin('movie-reviews')
    .examples.filter((_, i) => i % 20 === 0)
    .slice(0, 96);
  const starter = await loadTrainableModel('starter', 2, 42);
  const m = which === 'starter' ? { model: starter.model as PoolingClassifier, weights: starter.weights } : miniLmShaped();
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, Node ${process.version}; model ${which}`);
  const cases: [number, TrainLayers][] = [
    [64, { top: 1 }],
    [64, 'all'],
    [128, 'all'],
  ];
  for (const [maxLength, trainLayers] of cases) {
    const byDoc = piecesByDocument(
      encodeSentencePieces(
        starter.tokenizer,
        ex.map((e) => ({ text: e.text, label: e.label })),
        maxLength,
      ),
      ex.length,
    );
    const config = {
      lr: 1e-4,
      weightDecay: 0.01,
      betas: [0.9, 0.999] as [number, number],
      eps: 1e-8,
      maxGradNorm: 1,
      warmupSteps: 0,
      totalSteps: 100,
      schedule: 'linear' as const,
      gradAccumSteps: 1,
      seed: 1,
      trainLayers,
      dropout: true,
    };
    const ways = [false, true].map(async (packed) => ({
      packed,
      tr: await createTrainer(new DocPoolClassifier(m.model, packed), m.weights, config),
      cpu: 0,
      wall: 0,
      positions: 0,
      loss: [] as number[],
    }));
    const runs = await Promise.all(ways);
    for (let s = 0; s <= steps; s++) {
      for (const w of runs) {
        const b = docPoolTrainBatch(
          byDoc,
          Array.from({ length: 16 }, (_, i) => (s * 16 + i) % ex.length),
          { k: 8, seed: 1, epoch: 0, step: s, pad: 0, packed: w.packed },
        );
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const r = await w.tr.step(b);
        const c = process.cpuUsage(c0);
        w.loss.push(r.loss);
        if (s === 0) continue; // warm-up
        w.cpu += (c.user + c.system) / 1e6;
        w.wall += (performance.now() - t0) / 1000;
        w.positions += b.batch * b.seq;
      }
    }
    const [pad, pk] = runs;
    const line = (w: (typeof runs)[number]) =>
      `${(w.cpu / steps).toFixed(2)} cpu-s/step, wall ${(w.wall / steps).toFixed(2)} s/step, ${(w.positions / steps).toFixed(0)} token positions`;
    console.log(`max ${maxLength} trainLayers ${JSON.stringify(trainLayers)}:`);
    console.log(`  one piece per padded row: ${line(pad)}`);
    console.log(`  packed pieces:            ${line(pk)}`);
    const dl = Math.max(...pad.loss.map((l, i) => Math.abs(l - pk.loss[i])));
    console.log(
      `  padded / packed: cpu ${(pad.cpu / pk.cpu).toFixed(2)}x, wall ${(pad.wall / pk.wall).toFixed(2)}x; largest loss difference over ${steps + 1} steps ${dl.toExponential(1)}`,
    );
    await Promise.all(runs.map((w) => w.tr.dispose()));
  }
}
void main();
