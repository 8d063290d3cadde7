// `gft import`: a sequence-classification model trained elsewhere (a Trainer job exported by `gft job export`, a
// notebook, AutoTrain) as a run folder of this project, judged like every other run: evaluated by this engine on
// the chosen split's test set (predictions.jsonl, metrics, saliency of the misclassified examples), with a
// trainer checkpoint in checkpoints/best so that compare, reflect, predict and export take it like a fine-tune.
//
// The folder: config.json (a *ForSequenceClassification architecture with id2label), model.safetensors (or its
// shards; a pytorch_model.bin alone is refused with the command that converts it), the tokenizer. The model's label
// names are matched to the dataset's (exactly, then ignoring case, or through --label-map) and the head's rows are
// put in the dataset's label order; labels that cannot be matched are one error line. When the folder holds
// gft_job.json (written by a job of `gft job export`), the settings come from it (max length, long-text strategy)
// and the test set is checked against the job's training examples (ids and text hashes): the result is recorded
// in run.json's config.imported.leakage, and any overlap is a warning of the run.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { TrainerWorker, writeTrainerCheckpoint } from '../../engine';
import type { DataSource, EvalMetrics, ImportModelParams, RunResult, TrainConfig } from '../../protocol';

export type { ImportModelParams };
import { packageVersions } from '../info';
import { RunFolder, type NewRun } from '../runs';
import { readJson } from '../../shared/node/runFiles';
import { migrateConfig } from '../../shared/settings';
import { CHECKPOINT_BEST } from '../../shared/runLayout';
import { resolveTrainConfig } from '../train/config';
import { resolveExecution } from '../train/device';
import { documentProbs, encodeForEval } from '../train/evaluate';
import { executionRecord, recordTestResults } from '../train/runFinetune';
import { loadTrainableModel } from '../train/model';
import { engineConfig, trainWorkerPath } from '../train/setup';
import type { TrainWorkerModel } from '../train/trainWorker';
import { attachRun, prepareData, runJob, throwIfCancelled, warningsField, type JobContext, type PreparedData } from '../core';
import { JOB_MANIFEST_IN_MODEL, type TrainerJob } from './trainerJob';

/** The job's manifest in a model folder (gft_job.json), with what train.py added. */
export type JobManifest = TrainerJob & {
  trainIds?: string[];
  trainTextSha256?: string[];
  metrics?: { test?: { accuracy: number; n: number; macro_f1: number } | null };
};

export interface LeakageCheck {
  checked: boolean;
  /** why not, when not checked */
  reason?: string;
  trainExamples?: number;
  testExamples?: number;
  /** test examples whose id or text was among the job's training examples */
  testInTraining?: number;
  /** the first of them, by id */
  ids?: string[];
}

/** sha256 of a text, first 16 hex digits (as train.py writes them). */
export const textHash = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);

/** The output layer's parameters of each architecture (rows = labels). */
const OUTPUT_LAYER = ['classifier.weight', 'classifier.bias', 'classifier.out_proj.weight', 'classifier.out_proj.bias'];

/** The checks of a model folder: one line naming the problem and the fix. Returns config.json. */
export function checkImportFolder(folder: string): Record<string, unknown> {
  if (!existsSync(folder))
    throw new Error(`model folder ${folder} does not exist; give the folder a Trainer job wrote (output/model) or any Hugging Face checkpoint folder`);
  const cfgPath = join(folder, 'config.json');
  if (!existsSync(cfgPath))
    throw new Error(
      `${folder} has no config.json; give a Hugging Face checkpoint folder (save_pretrained writes config.json, model.safetensors and the tokenizer)`,
    );
  if (!existsSync(join(folder, 'model.safetensors')) && !existsSync(join(folder, 'model.safetensors.index.json'))) {
    if (existsSync(join(folder, 'pytorch_model.bin')) || existsSync(join(folder, 'pytorch_model.bin.index.json'))) {
      throw new Error(
        `${folder} holds pytorch_model.bin (a Python pickle, which gft does not read); convert it to safetensors first: python -c "from transformers import AutoModelForSequenceClassification as M; M.from_pretrained('${folder}').save_pretrained('${folder}', safe_serialization=True)"`,
      );
    }
    throw new Error(`${folder} has no model.safetensors; give a checkpoint folder with its weights`);
  }
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${cfgPath} is not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const archs = Array.isArray(cfg.architectures) ? (cfg.architectures as string[]) : [];
  if (archs.length && !archs.some((a) => a.endsWith('ForSequenceClassification'))) {
    throw new Error(
      `${folder} is a ${archs.join(', ')} without a classification head; fine-tune it with gft train (or import a *ForSequenceClassification checkpoint)`,
    );
  }
  if (!cfg.id2label || typeof cfg.id2label !== 'object')
    throw new Error(`${cfgPath} has no id2label; add the label names, e.g. "id2label": {"0": "neg", "1": "pos"}`);
  return cfg;
}

/**
 * perm[d] = the model's output index of the dataset's label d: names matched exactly, then ignoring case, or
 * through `labelMap` (model name -> dataset name). One error line when they cannot be matched.
 */
export function matchLabels(id2label: Record<string, unknown>, labels: readonly string[], labelMap: Record<string, string> = {}): number[] {
  const n = Object.keys(id2label).length;
  const names = Array.from({ length: n }, (_, i) => id2label[String(i)]);
  if (names.some((x) => typeof x !== 'string')) throw new Error(`config.json's id2label must name labels 0..${n - 1} (got ${JSON.stringify(id2label)})`);
  const model = (names as string[]).map((x) => labelMap[x] ?? x);
  const fix = `name them in config.json's id2label or pass --label-map ${(names as string[]).map((x, i) => `${x}=${labels[i] ?? '?'}`).join(',')}`;
  if (n !== labels.length)
    throw new Error(
      `the model has ${n} labels (${(names as string[]).join(', ')}) and the data ${labels.length} (${labels.join(', ')}); import it with data of the same classes`,
    );
  const perm = labels.map((l) => {
    let i = model.indexOf(l);
    if (i < 0) i = model.findIndex((x) => x.toLowerCase() === l.toLowerCase());
    return i;
  });
  if (perm.some((i) => i < 0) || new Set(perm).size !== n)
    throw new Error(`the model's labels ${(names as string[]).join(', ')} do not match the data's ${labels.join(', ')}; ${fix}`);
  return perm;
}

/** Rows of the output layer reordered so that row d is the model's row perm[d]. */
export function permuteHead(weights: Map<string, Float32Array>, perm: number[]): Map<string, Float32Array> {
  const out = new Map(weights);
  const k = perm.length;
  for (const name of OUTPUT_LAYER) {
    const w = weights.get(name);
    if (!w) continue;
    const width = w.length / k;
    const p = new Float32Array(w.length);
    perm.forEach((from, to) => p.set(w.subarray(from * width, (from + 1) * width), to * width));
    out.set(name, p);
  }
  return out;
}

/** Test examples the job trained on (by id or by text). */
export function leakageCheck(job: JobManifest | undefined, data: PreparedData): LeakageCheck {
  if (!job) return { checked: false, reason: `no ${JOB_MANIFEST_IN_MODEL} in the model folder (it was not trained by a job of gft job export)` };
  if (!job.trainIds) return { checked: false, reason: `${JOB_MANIFEST_IN_MODEL} lists no training ids` };
  const ids = new Set(job.trainIds);
  const texts = new Set(job.trainTextSha256 ?? []);
  const leaked = data.test.filter((e) => ids.has(e.id) || texts.has(textHash(e.text)));
  return {
    checked: true,
    trainExamples: job.trainIds.length,
    testExamples: data.test.length,
    testInTraining: leaked.length,
    ...(leaked.length ? { ids: leaked.slice(0, 10).map((e) => e.id) } : {}),
  };
}

function readJob(folder: string): JobManifest | undefined {
  const p = join(folder, JOB_MANIFEST_IN_MODEL);
  if (!existsSync(p)) return undefined;
  try {
    return readJson<JobManifest>(p);
  } catch (e) {
    throw new Error(`${p} is not valid JSON (${(e as Error).message.split('\n')[0]}); remove it or write it again with the job`);
  }
}

/** The data of the import: a run's split (--split-of), else the data options. */
function importData(p: ImportModelParams): { data: PreparedData; src: DataSource } {
  if (p.splitOf) {
    const run = RunFolder.open(p.splitOf);
    const saved = (run.manifest.config as { data?: DataSource }).data;
    if (!saved || (!saved.data && !saved.trainFile))
      throw new Error(`run ${run.id}'s run.json does not say where its data came from; give --data SPEC instead of --split-of`);
    const src: DataSource = { data: saved.data, trainFile: saved.trainFile, evalFile: saved.evalFile, split: saved.split };
    const data = prepareData(src);
    if (run.manifest.dataset?.splitHash && data.ref.splitHash !== run.manifest.dataset.splitHash)
      throw new Error(`the data of run ${run.id} changed since it ran (its split hash differs); the import would not test on its split`);
    return { data, src };
  }
  const src: DataSource = { data: p.data, trainFile: p.trainFile, evalFile: p.evalFile, split: p.split };
  return { data: prepareData(src), src };
}

/** A short default name: 'imported · <folder>' (its parent too when the folder is a job's output/model). */
function defaultName(folder: string): string {
  const b = basename(folder);
  return `imported · ${b === 'model' ? `${basename(dirname(folder))}/${b}` : b}`;
}

export async function importModel(
  p: ImportModelParams,
  ctx: JobContext = {},
): Promise<RunResult & { leakage: LeakageCheck; jobTest?: { accuracy: number; n: number } }> {
  const folder = resolve(p.model);
  const hfConfig = checkImportFolder(folder);
  const job = readJob(folder);
  const { data, src } = importData(p);
  if (data.test.length === 0) throw new Error('the data has no test examples to evaluate the model on; use a split with a test fraction');
  const perm = matchLabels(hfConfig.id2label as Record<string, unknown>, data.labels, p.labelMap);
  // a job written by an older gft names some settings the old way (migrateConfig)
  const base: Partial<TrainConfig> = migrateConfig(job?.gftConfig ?? {});
  const c = resolveTrainConfig({
    ...base,
    ...(p.maxLength !== undefined ? { maxLength: p.maxLength } : {}),
    ...(p.longText ? { longText: p.longText, evalLongText: undefined } : {}),
  });
  const exec = await resolveExecution({ device: p.device ?? 'cpu', threads: p.threads });
  const m = await loadTrainableModel(folder, data.labels.length, c.seed);
  const weights = permuteHead(m.weights, perm);
  const leakage = leakageCheck(job, data);
  const warnings = [...data.warnings];
  if (leakage.testInTraining)
    warnings.push(
      `leakage: ${leakage.testInTraining} of the ${leakage.testExamples} test examples were in the job's training data (e.g. ${leakage.ids!.slice(0, 3).join(', ')}); its test accuracy is not a fair estimate`,
    );
  const jobTest = job?.metrics?.test ? { accuracy: job.metrics.test.accuracy, n: job.metrics.test.n } : undefined;
  const newRun: NewRun = {
    kind: 'finetune',
    id: p.runId,
    name: p.name ?? defaultName(folder),
    config: {
      ...c,
      data: { ...src, model: folder },
      modelDir: folder,
      execution: executionRecord(exec),
      imported: {
        from: folder,
        trainedBy: job ? `a Trainer job of gft job export${job.source.run ? ` (run ${job.source.run})` : ''}` : 'elsewhere (no gft_job.json)',
        labels: perm.map((i) => (hfConfig.id2label as Record<string, string>)[String(i)]),
        settingsFrom: job ? JOB_MANIFEST_IN_MODEL : 'defaults and the import options',
        leakage,
        ...(jobTest ? { jobTest } : {}),
      },
    },
    dataset: data.ref,
    model: m.ref,
    ...warningsField(warnings),
    seed: c.seed,
    packages: packageVersions(),
    device: exec.summary,
  };
  const run = RunFolder.create(resolve(p.runsRoot), newRun, data.splitManifest);
  const progress = attachRun(run, ctx);
  run.log(
    `imported ${folder}${job ? ` (a Trainer job's model; settings from ${JOB_MANIFEST_IN_MODEL})` : ''}; labels ${data.labels.map((l, d) => `${l} = output ${perm[d]}`).join(', ')}`,
  );
  run.log(
    leakage.checked
      ? `leakage check: ${leakage.testInTraining} of ${leakage.testExamples} test examples among the job's ${leakage.trainExamples} training examples`
      : `leakage check not possible: ${leakage.reason}`,
  );
  let trainer: TrainerWorker | undefined;
  const r = await runJob(run, async () => {
    progress({ phase: 'loading', step: 0, total: 1 });
    await run.saveCheckpoint(CHECKPOINT_BEST, (dir) => {
      writeTrainerCheckpoint(dir, m.model, { params: weights, m: new Map(), v: new Map(), step: 0, microStep: 0, seed: c.seed, trainable: [] });
    });
    // The same evaluation as a fine-tuning run's final test (loop.ts): the trainer worker with the checkpoint loaded.
    const config = engineConfig(c, exec, { warmupSteps: 0, totalSteps: 1, gradAccumSteps: 1, trainLayers: 'head', dropout: false });
    const spec: TrainWorkerModel = { source: folder, numLabels: data.labels.length, seed: c.seed, sentenceMean: false };
    trainer = (await TrainerWorker.start({ kind: 'custom', spec }, config, { workerPath: trainWorkerPath() })).worker;
    const tr = trainer;
    await tr.loadCheckpoint(run.checkpointDir(CHECKPOINT_BEST));
    const maxLength = Math.min(c.maxLength, m.tokenizer.modelMaxLength);
    const evalLongText = c.evalLongText ?? c.longText;
    if (evalLongText === 'sentence-mean') throw new Error('an imported model reads texts with head, tail, head+tail or chunks; pass --long-text');
    const test = encodeForEval(m.tokenizer, data.test, evalLongText, maxLength, Math.max(c.batchSize, 32));
    const k = data.labels.length;
    const probs = await documentProbs(
      test,
      k,
      (b) => tr.evaluate(b),
      (done, total) => {
        throwIfCancelled(ctx);
        progress({ phase: 'evaluating', step: done, total });
      },
    );
    const reader = { trainer: tr, model: m, strategy: evalLongText, maxLength };
    const met: EvalMetrics = await recordTestResults(run, reader, { test, probs, labels: data.labels, seed: c.seed }, { step: 0, epoch: 0 });
    run.log(
      `test (this engine, ${evalLongText} ${maxLength} tokens): accuracy ${met.accuracy.toFixed(4)} (n ${data.test.length})${jobTest ? `; the job's own: ${jobTest.accuracy.toFixed(4)} (n ${jobTest.n})` : ''}`,
    );
    run.update({ test: met });
    progress({ phase: 'done', step: 1, total: 1 });
    return met;
  });
  await trainer?.dispose();
  return {
    runId: run.id,
    runDir: run.dir,
    kind: 'finetune',
    status: r.status,
    test: r.value,
    error: r.error,
    warnings: run.manifest.warnings,
    leakage,
    ...(jobTest ? { jobTest } : {}),
  };
}
