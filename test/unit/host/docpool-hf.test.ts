// Sentence-mean fine-tuning of Hugging Face-shaped models (BERT, DistilBERT): the encoder is trainable through the
// document pooling (it was built frozen once, so a run had no trainable parameters), the train-layers dial applies, and
// the loss falls on a task the sentences decide. RoBERTa's pooled head is its out_proj (classifier.dense reads <s>).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors, type SafeTensor } from '../../../src/engine/weights/safetensors';
import { NormalRng } from '../../../src/engine/models';
import { runFinetune } from '../../../src/host/train';
import { predictTexts } from '../../../src/host/jobs';
import { readRun } from '../../../src/host/runs';
import type { TrainParams } from '../../../src/protocol';
import { WORDS, tinyModel, writeByteBpe, writeWordPiece, type Arch } from '../export/tiny';

function baseModel(root: string, arch: Arch): string {
  const dir = join(root, arch);
  const vocab = arch === 'roberta' ? writeByteBpe(dir) : writeWordPiece(dir, arch);
  const { model, weights, json } = tinyModel(arch, vocab, 5);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...json, hidden_act: 'gelu' }));
  writeSafetensors(
    join(dir, 'model.safetensors'),
    new Map(model.params.map((p) => [p.name, { dtype: 'F32', shape: p.shape, data: weights.get(p.name)! } as SafeTensor])),
  );
  return dir;
}

/** Texts of 3-5 short sentences; the label is which half of the vocabulary the LAST sentence draws from. */
function writeDocs(path: string, n: number, seed: number): void {
  const rng = new NormalRng(seed);
  const pick = (lo: number) => WORDS[lo + Math.floor(rng.uniform() * 30)];
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const noise = Array.from(
      { length: 2 + Math.floor(rng.uniform() * 3) },
      () => `${Array.from({ length: 4 }, () => pick(Math.floor(rng.uniform() * 2) * 30)).join(' ')}.`,
    );
    const last = `${Array.from({ length: 4 }, () => pick(label * 30)).join(' ')}.`;
    lines.push(JSON.stringify({ text: [...noise, last].join(' '), label: label ? 'pos' : 'neg' }));
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

test('sentence-mean fine-tuning trains BERT, DistilBERT and RoBERTa encoders through the pooling, with the train-layers dial', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gft-dp-hf-'));
  try {
    writeDocs(join(root, 'train.jsonl'), 24, 1);
    writeDocs(join(root, 'eval.jsonl'), 8, 2);
    for (const arch of ['bert', 'distilbert', 'roberta'] as const) {
      const model = baseModel(root, arch);
      const params = (runId: string, trainLayers: TrainParams['config']['trainLayers']): TrainParams => ({
        model,
        trainFile: join(root, 'train.jsonl'),
        evalFile: join(root, 'eval.jsonl'),
        runsRoot: join(root, 'runs'),
        runId,
        config: {
          epochs: 6,
          batchSize: 8,
          lr: 1e-3,
          maxLength: 12,
          longText: 'sentence-mean',
          docPieces: 6,
          trainLayers,
          seed: 3,
          schedule: 'constant',
          threads: 1,
        } as TrainParams['config'],
      });
      const all = await runFinetune(params(`${arch}-all`, 'all'));
      assert.equal(all.status, 'completed', `${arch}: ${all.error}`);
      const losses = readRun(all.runDir).metrics.flatMap((m) => (m.type === 'step' ? [m.loss] : []));
      assert.equal(losses.length, 18, '24 texts / 8 per step x 6 epochs');
      assert.ok(losses.every(Number.isFinite));
      // the mean of the last two epochs' losses is below the first two epochs' (single steps of 8 texts are noisy)
      assert.ok(
        losses.slice(-6).reduce((a, b) => a + b) < losses.slice(0, 6).reduce((a, b) => a + b),
        `${arch} loss falls: ${losses.map((l) => l.toFixed(3))}`,
      );
      // gft predict on the run reads texts as the run's evaluation did: the same probabilities as its test predictions
      const evalTexts = readFileSync(join(root, 'eval.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { text: string }).text);
      const tested = readRun(all.runDir).predictions;
      const predicted = await predictTexts(all.runDir, evalTexts);
      assert.equal(tested.length, evalTexts.length);
      tested.forEach((t) => {
        const i = Number(t.id.replace(/\D/g, '')) - 1; // ids are row1, row2, ... in file order
        t.probs.forEach((p, c) =>
          assert.ok(Math.abs(p - predicted.predictions[i].probs[c]) <= 1e-5, `${arch} text ${t.id}: ${p} vs ${predicted.predictions[i].probs[c]}`),
        );
      });
      const head = await runFinetune(params(`${arch}-head`, 'head'));
      assert.equal(head.status, 'completed', `${arch} head-only: ${head.error}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
