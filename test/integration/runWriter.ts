// Writes run folders for the integration tests with the host's own RunFolder (src/host/runs), so the files are
// exactly what a training host writes: run.json (atomic), metrics.jsonl (line appends), predictions.jsonl,
// checkpoints/. The numbers are deterministic test data (a decaying loss, seeded predictions); the test metrics
// are computed from those predictions by the host's evaluatePredictions. Bundled for both the extension-host
// suite and the page-side harness (out/integration/runWriter.js).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunFolder } from '../../src/host/runs';
import { evaluatePredictions } from '../../src/host/eval';
import type { PredictionRecord, RunKind } from '../../src/protocol';
import { DEFAULT_SPLIT, prepareData } from '../../src/host/core';

const LABELS = ['neg', 'pos'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TestRun {
  dir: string;
  id: string;
  /** Appends training steps from..to (inclusive) and a validation evaluation every evalEvery steps. */
  steps(from: number, to: number): void;
  /**
   * A baseline's metrics as its logistic-regression fit writes them: one step per L-BFGS iteration of each
   * candidate C (the objective falling from log 2, the line-search step as lr), then one validation evaluation.
   */
  fits(candidates: { C: number; iterations: number }[], validationAccuracy: number, recordC?: boolean): void;
  checkpoint(name: string): Promise<void>;
  /** Writes test predictions (n examples, about `accuracy` right) and completes the run with their metrics. */
  complete(n: number, accuracy: number): void;
}

export function startRun(
  root: string,
  opts: { id: string; kind?: RunKind; model?: string; seed?: number; evalEvery?: number; device?: string; config?: Record<string, unknown> },
): TestRun {
  const kind = opts.kind ?? 'finetune';
  const run = RunFolder.create(root, {
    id: opts.id,
    kind,
    config: opts.config ?? { epochs: 2, lr: 5e-5, batchSize: 16 },
    dataset: {
      id: 'movie-reviews',
      hash: 'test-dataset-hash',
      splitHash: 'test-split-hash',
      labels: LABELS,
      sizes: { train: 1400, validation: 200, test: 400 },
    },
    model: opts.model ? { id: opts.model } : undefined,
    seed: opts.seed ?? 42,
    packages: {},
    device: opts.device ?? 'cpu',
  });
  const rand = rng(opts.seed ?? 42);
  const evalEvery = opts.evalEvery ?? 10;
  const totalSteps = 100;
  return {
    dir: run.dir,
    id: run.id,
    steps(from, to) {
      for (let s = from; s <= to; s++) {
        const lr = s < 10 ? (5e-5 * s) / 10 : (5e-5 * (totalSteps - s)) / (totalSteps - 10);
        const loss = 0.69 * Math.exp(-s / 40) + 0.15 + 0.08 * (rand() - 0.5);
        const epoch = Math.floor(s / 50);
        run.metric({ type: 'step', step: s, epoch, loss, lr, step_ms: 120, time: new Date().toISOString() });
        if (s % evalEvery === 0) {
          const accuracy = 0.5 + 0.35 * (1 - Math.exp(-s / 30));
          run.metric({
            type: 'eval',
            step: s,
            epoch,
            split: 'validation',
            time: new Date().toISOString(),
            metrics: { accuracy, macroF1: accuracy - 0.01, rocAuc: accuracy + 0.05, logLoss: loss + 0.05, ece: 0.05, loss: loss + 0.05 },
          });
        }
      }
    },
    fits(candidates, validationAccuracy, recordC = true) {
      let s = 0;
      for (const { C, iterations } of candidates) {
        for (let i = 0; i < iterations; i++) {
          const loss = 0.25 / Math.log10(10 * C) + (Math.LN2 - 0.25 / Math.log10(10 * C)) * Math.exp(-i / 3);
          run.metric({
            type: 'step',
            step: ++s,
            epoch: 0,
            loss,
            lr: i % 3 === 0 ? 1 : 0.1 + 0.3 * rand(),
            step_ms: 5,
            ...(recordC ? { C } : {}),
            time: new Date().toISOString(),
          });
        }
      }
      run.metric({
        type: 'eval',
        step: s,
        epoch: 0,
        split: 'validation',
        time: new Date().toISOString(),
        metrics: { accuracy: validationAccuracy, macroF1: validationAccuracy, rocAuc: null, logLoss: 0.4, ece: 0.03 },
      });
    },
    async checkpoint(name) {
      await run.saveCheckpoint(name, (dir) => writeFileSync(join(dir, 'weights.txt'), `checkpoint ${name}\n`));
    },
    complete(n, accuracy) {
      const preds: PredictionRecord[] = [];
      for (let i = 0; i < n; i++) {
        const label = i % 2;
        const right = rand() < accuracy;
        const conf = 0.5 + 0.5 * rand();
        const p1 = right === (label === 1) ? conf : 1 - conf;
        const pred = p1 >= 0.5 ? 1 : 0;
        preds.push({ id: `${LABELS[label]}/cv${String(900 + (i >> 1)).padStart(3, '0')}.txt`, label, pred, probs: [1 - p1, p1], split: 'test' });
      }
      run.writePredictions(preds);
      const test = evaluatePredictions(
        preds.map((p) => p.label),
        preds.map((p) => p.probs),
        { labelNames: LABELS, resamples: 200 },
      );
      run.finish('completed', { test, best: { step: 60, epoch: 1, metric: 'accuracy', value: 0.84 } });
    },
  };
}

/**
 * A completed run on the built-in movie reviews' default split (the one Write Reflection can reproduce from
 * run.json): test predictions on the real test reviews, right for about `accuracy` of them; config.data records
 * the source. Needs GFT_DATA_DIR (the bundle does not sit next to data/). Returns the test texts by id too.
 */
export function realSplitRun(
  root: string,
  opts: { id: string; kind: RunKind; model?: string; config?: Record<string, unknown>; accuracy: number; seed: number },
): { dir: string; texts: Map<string, string> } {
  const split = DEFAULT_SPLIT;
  const p = prepareData({ data: 'builtin:movie-reviews', split });
  const run = RunFolder.create(root, {
    id: opts.id,
    kind: opts.kind,
    config: { ...(opts.config ?? {}), data: { data: 'builtin:movie-reviews', split, ...(opts.model ? { model: opts.model } : {}) } },
    dataset: p.ref,
    model: opts.model ? { id: opts.model } : undefined,
    seed: opts.seed,
    packages: {},
    device: 'cpu: test',
  });
  const rand = rng(opts.seed);
  const preds: PredictionRecord[] = p.test.map((e) => {
    const right = rand() < opts.accuracy;
    const pred = right ? e.label : 1 - e.label;
    const conf = 0.55 + 0.44 * rand();
    return { id: e.id, label: e.label, pred, probs: pred === 1 ? [1 - conf, conf] : [conf, 1 - conf], split: 'test' };
  });
  run.writePredictions(preds);
  run.finish('completed', {
    test: evaluatePredictions(
      preds.map((x) => x.label),
      preds.map((x) => x.probs),
      { labelNames: p.labels, resamples: 200 },
    ),
  });
  return { dir: run.dir, texts: new Map(p.test.map((e) => [e.id, e.text])) };
}
