// Tiny Hugging Face model folders (config, weights, tokenizer) of each architecture and a tiny labelled JSONL
// dataset, for the Trainer-job export and import tests.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSafetensors, type SafeTensor } from '../../../src/engine/weights/safetensors';
import { randomTexts, taskLabel, tinyModel, writeByteBpe, writeWordPiece, type Arch } from '../export/tiny';

/** A tiny model folder of `arch` (config, weights, tokenizer) under root. */
export function tinyModelFolder(root: string, arch: Arch, seed = 3): string {
  const dir = join(root, `model-${arch}`);
  const vocab = arch === 'roberta' ? writeByteBpe(dir) : writeWordPiece(dir, arch);
  const { json, model, weights } = tinyModel(arch, vocab, seed);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(json));
  writeSafetensors(
    join(dir, 'model.safetensors'),
    new Map([...weights].map(([k, v]) => [k, { dtype: 'F32', shape: model.params.find((p) => p.name === k)!.shape, data: v } as SafeTensor])),
  );
  return dir;
}

/** A JSONL dataset of `n` random texts labelled by the tiny task (labels 'bad'/'good'). */
export function tinyDataset(root: string, n = 60, seed = 5): string {
  const path = join(root, 'reviews.jsonl');
  writeFileSync(
    path,
    randomTexts(n, seed, 3, 30)
      .map((t, i) => JSON.stringify({ id: `r${i}`, text: t, label: taskLabel(t) ? 'good' : 'bad' }))
      .join('\n') + '\n',
  );
  return path;
}
