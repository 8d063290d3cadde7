// What a fine-tuning run builds before its first step: the tokenized training rows, the evaluation sets, the
// step count and the engine's trainer on the chosen device. Shared by the training loop (runFinetune.ts) and the
// pre-flight estimate (estimate.ts), so the estimate measures exactly the program the run will execute.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TrainerWorker, trainableFilter, type Batch, type TrainConfig as EngineConfig } from '../../engine';
import type { TrainConfig } from '../../protocol';
import { FIXED_TRAINING, SettingError } from '../../shared/settings';
import type { PreparedData } from '../core';
import { encodeDocumentsEach, padBatch, type EncodedRow, type TokenBatch } from '../tokenize';
import { cachedTokenRows } from '../tokenize/cache';
import type { TokenRows } from '../tokenize/tokenRows';
import type { Execution } from './device';
import { encodeForEval, type EncodedSet } from './evaluate';
import type { TrainableModel } from './model';
import type { TrainWorkerModel } from './trainWorker';
import {
  DEFAULT_DOC_PIECES,
  docPoolModel,
  docPoolTrainBatch,
  docRows,
  encodeSentencePiecesEach,
  readsPackedPieces,
  SENTENCE_MEAN,
  withPiecePool,
  type DocRows,
} from './docPool';

export interface TrainingSetup {
  maxLength: number;
  /** Encoded training rows (texts, windows or sentences), read from disk a step at a time; the caller closes them. */
  rows: TokenRows;
  /** 'sentence-mean': the rows of each training text. */
  byDoc?: DocRows;
  stepsPerEpoch: number;
  totalSteps: number;
  evalLongText: NonNullable<TrainConfig['evalLongText']> | TrainConfig['longText'];
  validation?: EncodedSet;
  test?: EncodedSet;
  /** The engine's trainer, in a worker thread (trainWorker.ts). */
  trainer: TrainerWorker;
  trainableParams: number;
  totalParams: number;
  /** Releases the token files behind the training rows and the evaluation sets. */
  close(): void;
  /** Logits of an evaluation batch (with the document pooling of 'sentence-mean'). */
  logitsOf(b: TokenBatch): Promise<Float32Array>;
}

/** The worker script: dist/train-worker.js beside the bundle, or this folder's trainWorker.ts from source. */
export function trainWorkerPath(): string {
  const bundled = join(__dirname, 'train-worker.js');
  if (existsSync(bundled) || !__filename.endsWith('.ts')) return bundled;
  return join(__dirname, 'trainWorker.ts');
}

/** Rows of one optimizer step: batchSize * gradAccumSteps rows, cut to a multiple of gradAccumSteps. */
function stepRows(rows: TokenRows, order: number[], b: number, c: TrainConfig): EncodedRow[] {
  const eb = c.batchSize * c.gradAccumSteps;
  const idx = order.slice(b * eb, (b + 1) * eb);
  const keep = idx.length - (idx.length % c.gradAccumSteps);
  return idx.slice(0, keep).map((i) => rows.get(i));
}

/**
 * The batch of step `batchInEpoch` of `epoch` under the epoch's data order, and its number of texts (rows, or
 * documents for 'sentence-mean'); undefined when the step has no rows (a last batch cut by accumulation).
 */
export function trainBatchAt(
  s: TrainingSetup,
  m: TrainableModel,
  c: TrainConfig,
  order: number[],
  epoch: number,
  batchInEpoch: number,
): { batch: Batch; count: number } | undefined {
  if (s.byDoc) {
    const docIdx = order.slice(batchInEpoch * c.batchSize, (batchInEpoch + 1) * c.batchSize);
    if (docIdx.length === 0) return undefined;
    const batch = docPoolTrainBatch(s.byDoc, docIdx, {
      k: c.docPieces ?? DEFAULT_DOC_PIECES,
      seed: c.seed,
      epoch,
      step: batchInEpoch,
      pad: m.tokenizer.specials.pad,
      tokenTypeIds: m.tokenizer.usesTokenTypeIds,
      packed: readsPackedPieces(m.model),
    });
    return { batch, count: docIdx.length };
  }
  const rows = stepRows(s.rows, order, batchInEpoch, c);
  if (rows.length === 0) return undefined;
  return { batch: padBatch(rows, m.tokenizer.specials.pad, { tokenTypeIds: m.tokenizer.usesTokenTypeIds }), count: rows.length };
}

/** The settings checked against the model and the data before anything is tokenized or a run folder made. */
export function checkTrainingSettings(m: Pick<TrainableModel, 'model'>, c: TrainConfig, data: Pick<PreparedData, 'train'>): void {
  if (data.train.length === 0) throw new Error('no training examples: the training split is empty; use more data or a smaller validation/test fraction');
  if (c.longText === SENTENCE_MEAN) {
    if (c.gradAccumSteps > 1) {
      throw new SettingError(
        ['longText', 'gradAccumSteps'],
        (n) =>
          `${n('longText')} ${SENTENCE_MEAN} takes no gradient accumulation (got ${n('gradAccumSteps')} ${c.gradAccumSteps}); set ${n('gradAccumSteps')} to 1 and use a smaller ${n('batchSize')}`,
      );
    }
    docPoolModel(m.model);
  }
}

/** Tokenizes the data and builds the trainer for this model, config and device. `log` gets one-line notes. */
export async function buildTraining(
  m: TrainableModel,
  c: TrainConfig,
  data: PreparedData,
  exec: Execution,
  log: (line: string) => void,
  opts: { evalSets?: boolean; tokenCacheDir?: string | null } = {},
): Promise<TrainingSetup> {
  const maxLength = Math.min(c.maxLength, m.tokenizer.modelMaxLength);
  if (maxLength < c.maxLength) log(`max length ${c.maxLength} is above the model's ${m.tokenizer.modelMaxLength}; using ${maxLength}`);
  const trainDocs = data.train.map((e) => ({ text: e.text, label: e.label }));
  // Tokenized once per (tokenizer, strategy, max length, texts): a rerun or the run after its probe reads the cache.
  // The rows stream to a file as they are encoded and each step reads its own (memory: an index, not the split).
  const tTok = performance.now();
  const train = cachedTokenRows(
    { tokenizer: m.ref, strategy: { longText: c.longText, maxLength } },
    trainDocs,
    (emit) =>
      c.longText === SENTENCE_MEAN
        ? encodeSentencePiecesEach(m.tokenizer, trainDocs, maxLength, emit)
        : encodeDocumentsEach(m.tokenizer, trainDocs, { strategy: c.longText, maxLength }, emit),
    opts.tokenCacheDir,
  );
  const rows = train.rows;
  log(`training texts ${train.cache === 'hit' ? 'read from the token cache' : 'tokenized'} in ${((performance.now() - tTok) / 1000).toFixed(1)} s`);
  try {
    return await buildOnRows(m, c, data, exec, log, opts, { rows, maxLength, numDocs: trainDocs.length });
  } catch (e) {
    rows.close();
    throw e;
  }
}

async function buildOnRows(
  m: TrainableModel,
  c: TrainConfig,
  data: PreparedData,
  exec: Execution,
  log: (line: string) => void,
  opts: { evalSets?: boolean; tokenCacheDir?: string | null },
  t: { rows: TokenRows; maxLength: number; numDocs: number },
): Promise<TrainingSetup> {
  const { rows, maxLength } = t;
  // 'sentence-mean': a step takes batchSize texts with up to docPieces sampled sentences each (docPool.ts).
  const byDoc = c.longText === SENTENCE_MEAN ? docRows(rows, t.numDocs) : undefined;
  checkTrainingSettings(m, c, data);
  if (rows.length === 0) throw new Error('no training examples: the training split is empty; use more data or a smaller validation/test fraction');
  const evalBatch = Math.max(c.batchSize, 32);
  const evalLongText = c.evalLongText ?? c.longText;
  const withEval = opts.evalSets ?? true;
  const validation =
    withEval && data.validation.length
      ? encodeForEval(m.tokenizer, data.validation, evalLongText, maxLength, evalBatch, { tokenizer: m.ref, dir: opts.tokenCacheDir })
      : undefined;
  const test =
    withEval && data.test.length
      ? encodeForEval(m.tokenizer, data.test, evalLongText, maxLength, evalBatch, { tokenizer: m.ref, dir: opts.tokenCacheDir })
      : undefined;
  const stepsPerEpoch = Math.ceil((byDoc?.length ?? rows.length) / (c.batchSize * c.gradAccumSteps));
  const totalSteps = stepsPerEpoch * c.epochs;
  log(
    `${data.train.length} training texts -> ${rows.length} rows (${c.longText}, max length ${maxLength}); ${stepsPerEpoch} steps per epoch, ${totalSteps} in all; evaluation reads ${evalLongText}`,
  );
  const model = byDoc ? docPoolModel(m.model) : m.model;
  const config = engineConfig(c, exec, {
    totalSteps,
    // a micro-batch's rows: batchSize texts, or under sentence-mean up to docPieces sentences of each of batchSize docs
    maxDims: { batch: byDoc ? c.batchSize * (c.docPieces ?? DEFAULT_DOC_PIECES) : c.batchSize, seq: maxLength, docs: c.batchSize },
  });
  const spec: TrainWorkerModel = { source: m.source, numLabels: m.model.numLabels, seed: c.seed, sentenceMean: !!byDoc };
  const started = await TrainerWorker.start({ kind: 'custom', spec }, config, { workerPath: trainWorkerPath() }).catch((e: unknown) => {
    validation?.close();
    test?.close();
    throw e;
  });
  const { worker: trainer, info } = started;
  log(
    info.executor === 'device'
      ? `trainer: the device trainer on ${exec.providers[0]} (the whole step, AdamW included, in one graph; ${exec.providers[0] === 'webgpu' ? 'state kept in GPU buffers' : 'state uploaded and downloaded every step'})`
      : 'trainer: the host trainer (forward and backward on the cpu provider, AdamW in TypeScript)',
  );
  const isTrainable = trainableFilter(model, c.trainLayers);
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  return {
    maxLength,
    rows,
    byDoc,
    stepsPerEpoch,
    totalSteps,
    evalLongText,
    validation,
    test,
    trainer,
    trainableParams: model.params.filter(isTrainable).reduce((a, p) => a + size(p.shape), 0),
    totalParams: model.params.reduce((a, p) => a + size(p.shape), 0),
    close: () => {
      rows.close();
      validation?.close();
      test?.close();
    },
    logitsOf: (b) => trainer.evaluate(byDoc ? withPiecePool(b, readsPackedPieces(m.model)) : b),
  };
}

/** The engine's training config of a run's settings and execution (`over` sets what a caller decides itself). */
export function engineConfig(c: TrainConfig, exec: Execution, over: Partial<EngineConfig> & { totalSteps: number }): EngineConfig {
  return {
    lr: c.lr,
    weightDecay: c.weightDecay,
    betas: FIXED_TRAINING.betas,
    eps: FIXED_TRAINING.eps,
    maxGradNorm: c.maxGradNorm,
    warmupSteps: c.warmupSteps,
    schedule: c.schedule,
    gradAccumSteps: c.gradAccumSteps,
    seed: c.seed,
    trainLayers: c.trainLayers,
    layerLrDecay: c.layerLrDecay,
    dropout: FIXED_TRAINING.dropout,
    providers: exec.providers,
    ...(exec.threadsFrom === 'setting' ? { threads: exec.threads } : {}),
    ...over,
  };
}
