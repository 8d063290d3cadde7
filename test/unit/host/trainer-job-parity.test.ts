// The two engines agree: a Trainer job's first optimizer steps (gft job export's TrainingArguments, run by
// transformers' Trainer) and gft's engine with the run's settings, from the same initial weights on the same
// batches with dropout 0, give the same loss (within 1e-3 relative), learning rate and gradient norm.
// Reference: scripts/make_trainer_job_parity.py writes test/fixtures/trainer-job/<arch>.json with Trainer's step
// written out in plain torch (no transformers needed), for the parity fixtures' tiny BERT, DistilBERT, RoBERTa.
// The test also ties the fixture to the export: gft maps the fixture's settings to exactly the TrainingArguments
// the reference ran, and the engine's no-decay parameters are Trainer's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTrainer, type TrainConfig as EngineConfig } from '../../../src/engine';
import { loadSequenceClassifier } from '../../../src/engine/models';
import { trainingArguments } from '../../../src/host/jobs/trainerJob';
import { resolveTrainConfig } from '../../../src/host/train/config';
import type { TrainConfig } from '../../../src/protocol';

interface JobFixture {
  gftConfig: Partial<TrainConfig>;
  trainingArguments: Record<string, unknown>;
  trainerDecay: string[];
  parameters: string[];
  rows: { input_ids: number[][]; attention_mask: number[][]; token_type_ids?: number[][]; labels: number[] };
  steps: { loss: number; lr: number; gradNorm: number }[];
}

const int64 = (rows: number[][]) => BigInt64Array.from(rows.flat().map(BigInt));

for (const arch of ['bert', 'distilbert', 'roberta'] as const) {
  test(`${arch}: the Trainer job's first optimizer steps and the engine's agree (loss within 1e-3 relative)`, async () => {
    const fx = JSON.parse(readFileSync(join('test', 'fixtures', 'trainer-job', `${arch}.json`), 'utf8')) as JobFixture;
    const c = resolveTrainConfig(fx.gftConfig);
    const rowsPerStep = c.batchSize * c.gradAccumSteps;
    const n = fx.rows.labels.length;
    const stepsPerEpoch = Math.ceil(n / rowsPerStep);
    // what gft job export writes for these settings is what the reference ran
    const mapped = trainingArguments(c, stepsPerEpoch);
    for (const [k, v] of Object.entries(fx.trainingArguments)) assert.deepEqual(mapped[k], v, `TrainingArguments ${k}`);

    const { model, weights } = loadSequenceClassifier(join('test', 'fixtures', 'parity', arch));
    assert.deepEqual(model.params.map((p) => p.name).sort(), [...fx.parameters].sort(), 'the same parameters as the torch model');
    assert.deepEqual(
      model.params
        .filter((p) => p.decay)
        .map((p) => p.name)
        .sort(),
      fx.trainerDecay,
      "the engine decays exactly Trainer's decay parameters",
    );
    // the engine's trainer as the fine-tuning loop builds it (src/host/train/setup.ts), dropout off
    const config: EngineConfig = {
      lr: c.lr,
      weightDecay: c.weightDecay,
      betas: [0.9, 0.999],
      eps: 1e-8,
      maxGradNorm: c.maxGradNorm,
      warmupSteps: c.warmupSteps,
      totalSteps: stepsPerEpoch * c.epochs,
      schedule: c.schedule,
      gradAccumSteps: c.gradAccumSteps,
      seed: c.seed,
      trainLayers: c.trainLayers,
      dropout: false,
      threads: 1,
    };
    const trainer = await createTrainer(model, weights, config);
    let worst = 0;
    try {
      for (const [s, want] of fx.steps.entries()) {
        const sl = <T>(a: T[]) => a.slice(s * rowsPerStep, (s + 1) * rowsPerStep);
        const r = await trainer.step({
          inputIds: int64(sl(fx.rows.input_ids)),
          attentionMask: int64(sl(fx.rows.attention_mask)),
          ...(fx.rows.token_type_ids ? { tokenTypeIds: int64(sl(fx.rows.token_type_ids)) } : {}),
          labels: BigInt64Array.from(sl(fx.rows.labels).map(BigInt)),
          batch: rowsPerStep,
          seq: fx.rows.input_ids[0].length,
        });
        const rel = Math.abs(r.loss - want.loss) / Math.abs(want.loss);
        worst = Math.max(worst, rel);
        assert.ok(rel <= 1e-3, `${arch} step ${s}: engine loss ${r.loss} vs Trainer ${want.loss} (relative ${rel.toExponential(2)})`);
        assert.ok(Math.abs(r.lr - want.lr) <= 1e-12, `${arch} step ${s}: lr ${r.lr} vs ${want.lr}`);
        assert.ok(Math.abs(r.gradNorm - want.gradNorm) / want.gradNorm <= 1e-3, `${arch} step ${s}: grad norm ${r.gradNorm} vs ${want.gradNorm}`);
      }
    } finally {
      await trainer.dispose();
    }
    assert.equal(fx.steps.length, 4);
    console.log(`${arch}: ${fx.steps.length} optimizer steps, largest relative loss difference ${worst.toExponential(2)}`);
  });
}
