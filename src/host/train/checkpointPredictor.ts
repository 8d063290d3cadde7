// Predicting with a fine-tuned run: the model rebuilt from the run's manifest, parameters from
// checkpoints/best, an inference-only program (no optimizer state is loaded).
import { Program, readTrainerParams, trainerCheckpointPath } from '../../engine';
import { buildEvalGraph } from '../../engine';
import { PieceClassifier } from '../../engine/export';
import type { PoolingClassifier } from '../../engine/models/docPool';
import type { RunFolder } from '../runs';
import type { Predictor } from '../core';
import { finetuneRunConfig } from './config';
import { SENTENCE_MEAN } from './docPool';
import { documentProbs, encodeForEval } from './evaluate';
import { loadTrainableModel } from './model';
import { CHECKPOINT_BEST } from '../../shared/runLayout';

/** The predictor of a finished fine-tuning (or head-only) run. */
export async function loadFinetunePredictor(run: RunFolder): Promise<Predictor> {
  const config = finetuneRunConfig(run);
  const labels = run.manifest.dataset?.labels;
  if (!labels) throw new Error(`run ${run.id} does not record its labels`);
  const m = await loadTrainableModel(config.data.model, labels.length, config.seed);
  const params = readTrainerParams(trainerCheckpointPath(run.checkpointDir(CHECKPOINT_BEST)));
  const feeds: Record<string, { data: Float32Array; dims: number[] }> = {};
  for (const p of m.model.params) {
    const data = params.get(p.name);
    if (!data) throw new Error(`run ${run.id}: checkpoint lacks parameter ${p.name}`);
    feeds[p.name] = { data, dims: p.shape };
  }
  const maxLength = Math.min(config.maxLength, m.tokenizer.modelMaxLength);
  return {
    labels,
    predictProba: async (texts) => {
      // A sentence-mean run trained its head on mean-pooled pieces: each piece goes through that head (the mean of
      // the pieces' logits is then the run's own document logits), not through the model's [CLS] head.
      const model = config.longText === SENTENCE_MEAN ? new PieceClassifier(m.model as PoolingClassifier) : m.model;
      const program = await Program.compile(buildEvalGraph(model));
      try {
        const set = encodeForEval(
          m.tokenizer,
          texts.map((text, i) => ({ id: String(i), text, label: 0 })),
          config.evalLongText ?? config.longText,
          maxLength,
          32,
        );
        return await documentProbs(set, labels.length, async (b) => {
          const dims = [b.batch, b.seq];
          const inputs: Record<string, { data: BigInt64Array; dims: number[] }> = {
            input_ids: { data: b.inputIds, dims },
            attention_mask: { data: b.attentionMask, dims },
          };
          if (m.model.inputNames.includes('token_type_ids')) inputs.token_type_ids = { data: b.tokenTypeIds ?? new BigInt64Array(b.batch * b.seq), dims };
          const out = await program.run({ ...feeds, ...inputs }, ['logits']);
          return out.logits.data as Float32Array;
        });
      } finally {
        await program.dispose();
      }
    },
  };
}
