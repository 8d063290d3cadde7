// Cost of one 'sentence-mean' training step of the starter model (16 reviews x 8 sampled sentences), per piece
// length cap and trainLayers setting, with the pieces one per padded row and packed several to a row (the default
// from this bench's commit), side by side in one run, alternating step by step: wall time and process CPU time per
// step (CPU time is the fair measure on a shared machine; on an idle 2-core machine wall is about CPU / 2), and the
// ratio padded / packed. One per row, a batch pads to its longest piece: sentences average ~31 tokens, so a 64-token
// cap computes about half padding and a 128-token cap three quarters.
// Usage: npx tsx bench/docpool_step.ts [steps per case, default 6]
import { cpus } from 'node:os';
import { createTrainer, type TrainLayers } from '../src/engine';
import { DocPoolClassifier, type PoolingClassifier } from '../src/engine/models/docPool';
import { loadTrainableModel } from '../src/host/train/model';
import { docPoolTrainBatch, encodeSentencePieces, piecesByDocument } from '../src/host/train/docPool';
import { loadBuiltin } from '../src/host/data';

async function main(): Promise<void> {
  const steps = Number(process.argv[2] ?? 6);
  const ex = loadBuiltin('movie-reviews')
    .examples.filter((_, i) => i % 20 === 0)
    .slice(0, 96);
  const m = await loadTrainableModel('starter', 2, 42);
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, Node ${process.version}`);
  const cases: [number, TrainLayers][] = [
    [64, { top: 1 }],
    [64, 'all'],
    [128, 'all'],
  ];
  for (const [maxLength, trainLayers] of cases) {
    const byDoc = piecesByDocument(
      encodeSentencePieces(
        m.tokenizer,
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
      tr: await createTrainer(new DocPoolClassifier(m.model as PoolingClassifier, packed), m.weights, config),
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
