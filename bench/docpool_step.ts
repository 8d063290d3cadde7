// Cost of one 'sentence-mean' training step of the starter model (16 reviews x 8 sampled sentences), per piece
// length cap and trainLayers setting, side by side in one run: wall time and process CPU time per step (CPU time
// is the fair measure on a shared machine; on an idle 2-core machine wall is about CPU / 2).
// A batch pads to its longest piece, so the 128-token cap pays ~4x padding on ~33-token sentences.
// Usage: npx tsx bench/docpool_step.ts
import { createTrainer, type TrainLayers } from '../src/engine';
import { loadTrainableModel } from '../src/host/train/model';
import { docPoolModel, docPoolTrainBatch, encodeSentencePieces, piecesByDocument } from '../src/host/train/docPool';
import { loadBuiltin } from '../src/host/data';

async function main(): Promise<void> {
  const ex = loadBuiltin('movie-reviews')
    .examples.filter((_, i) => i % 20 === 0)
    .slice(0, 96);
  const m = await loadTrainableModel('starter', 2, 42);
  const cases: [number, TrainLayers][] = [
    [128, 'all'],
    [64, 'all'],
    [64, { top: 1 }],
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
    const tr = await createTrainer(docPoolModel(m.model), m.weights, {
      lr: 1e-4,
      weightDecay: 0.01,
      betas: [0.9, 0.999],
      eps: 1e-8,
      maxGradNorm: 1,
      warmupSteps: 0,
      totalSteps: 100,
      schedule: 'linear',
      gradAccumSteps: 1,
      seed: 1,
      trainLayers,
      dropout: true,
    });
    let cpu = 0,
      wall = 0,
      padded = 0;
    const steps = 5;
    for (let s = 0; s <= steps; s++) {
      const b = docPoolTrainBatch(
        byDoc,
        Array.from({ length: 16 }, (_, i) => (s * 16 + i) % ex.length),
        { k: 8, seed: 1, epoch: 0, step: s, pad: 0 },
      );
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await tr.step(b);
      const c = process.cpuUsage(c0);
      if (s === 0) continue; // warm-up
      cpu += (c.user + c.system) / 1e6;
      wall += (performance.now() - t0) / 1000;
      padded += b.seq;
    }
    console.log(
      `max ${maxLength} trainLayers ${JSON.stringify(trainLayers)}: ${(cpu / steps).toFixed(2)} cpu-s/step, wall ${(wall / steps).toFixed(2)} s/step, padded to ${(padded / steps).toFixed(0)} tokens`,
    );
    await tr.dispose();
  }
}
void main();
