// `gft job export`: a fine-tuning run (or the settings of a `gft train` command) as a self-contained Hugging Face
// Trainer + accelerate job folder, for a bigger machine or a cluster:
//   train.py            transformers' Trainer (AutoModelForSequenceClassification, AutoTokenizer) (trainerJobScript.ts)
//   job.json            the run's settings mapped one to one to TrainingArguments, the exact trainable and no-decay
//                       parameter names, tokenization (max length, head/tail/head+tail), labels, expected steps
//   data/*.jsonl        the run's split: {"id", "text", "label"} per line, train/validation/test
//   split.json          the run's split manifest (ids per split and its hash), when the data was split by gft
//   model/              the base model's folder (config, weights, tokenizer) copied, so nothing is downloaded
//   requirements.txt    pinned versions; accelerate_config.yaml; slurm.sbatch; README.md with the commands
// A setting Trainer cannot express (the starter model, sentence-mean pooling, chunked evaluation, a fixed data
// order) is refused with one line naming the setting and what to use instead. The files are a function of the
// run only (no dates, no absolute paths of this machine besides the model id), so exporting twice gives the same
// bytes.
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { lrScaleOf, trainableFilter } from '../../engine';
import { isFineTuneKind, type DataSource, type TrainConfig } from '../../protocol';
import type { Example } from '../data';
import { GFT_VERSION } from '../info';
import { RunFolder } from '../runs';
import { RUN_FILES } from '../../shared/runLayout';
import { writeFileAtomic } from '../../shared/node/runFiles';
import { contentBudget, defaultHeadTokens } from '../tokenize';
import { finetuneRunConfig, resolveEvalEvery, resolveTrainConfig } from '../train/config';
import { loadTrainableModel, type TrainableModel } from '../train/model';
import { DEFAULT_SPLIT, prepareData, type PreparedData } from '../core';
import { ACCELERATE_CONFIG, JOB_REQUIREMENTS, TRAIN_PY } from './trainerJobScript';

export const JOB_FORMAT = 'gft-trainer-job-1';
export const JOB_FILE = 'job.json';
/** What train.py writes into its model folder: job.json plus the training ids and text hashes (the import's leakage check). */
export const JOB_MANIFEST_IN_MODEL = 'gft_job.json';

/** A setting Trainer cannot express: the message is the one line shown to the user. */
export class TrainerJobRefusal extends Error {}

export interface TrainerJobParams {
  /** A fine-tuning run folder: its settings, split and base model. */
  runDir?: string;
  /** Or the settings of a `gft train` command (model, data, training options). */
  train?: DataSource & { model: string; config: Partial<TrainConfig> };
  out: string;
}

export interface TrainerJob {
  format: typeof JOB_FORMAT;
  source: { run: string | null; name: string | null; gft: string };
  model: { path: string; id: string; architecture: string; numLayers: number; tokenTypeIds: boolean; fileHashes?: Record<string, string> };
  labels: string[];
  data: {
    train: string;
    validation: string;
    test: string;
    sizes: Record<'train' | 'validation' | 'test', number>;
    datasetId: string;
    datasetHash: string;
    splitHash: string | null;
    source: DataSource;
  };
  tokenization: { maxLength: number; longText: 'head' | 'tail' | 'head+tail'; evalLongText: 'head' | 'tail' | 'head+tail'; headTokens: number };
  /** TrainingArguments keyword arguments, plus batch_size (split over the processes), eval_batch_size, early_stopping_patience. */
  training: Record<string, unknown>;
  parameters: string[];
  trainable: string[];
  noDecay: string[];
  /** Layer-wise learning-rate decay: each trained parameter's factor of learning_rate where it is not 1 (train.py
   *  makes one AdamW parameter group per factor and decay); empty with layerLrDecay 1. */
  lrScale: Record<string, number>;
  expected: { stepsPerEpoch: number; totalSteps: number };
  /** gft's own settings of the run, as resolved (the import reads them back). */
  gftConfig: TrainConfig;
}

export interface TrainerJobResult {
  dir: string;
  files: string[];
  job: TrainerJob;
}

const TRUNCATIONS = ['head', 'tail', 'head+tail'] as const;
type Truncation = (typeof TRUNCATIONS)[number];
const isTruncation = (s: string | undefined): s is Truncation => (TRUNCATIONS as readonly string[]).includes(s ?? '');

/** The first setting of `c` (with `model`) that Trainer cannot express, as one line; undefined when all map. */
export function refusalOf(c: TrainConfig, model: string): string | undefined {
  if (model === 'starter')
    return 'the starter model (Universal Sentence Encoder Lite, read from TF.js weight shards) has no transformers class; export a run of a Hugging Face model (a BERT, DistilBERT or RoBERTa folder or hub id)';
  if (c.longText === 'sentence-mean')
    return "--long-text sentence-mean (the mean of a text's sentence embeddings feeds the head) is this engine's document pooling, which AutoModelForSequenceClassification does not have; use --long-text head, tail or head+tail";
  if (c.longText === 'chunks')
    return "--long-text chunks (a text's windows as training rows, their logits averaged at evaluation) has no Trainer equivalent; use --long-text head, tail or head+tail";
  if (c.evalLongText === 'chunks')
    return "--eval-long-text chunks (averaging the logits of a text's windows) is not how Trainer evaluates; use --eval-long-text head, tail or head+tail";
  if (!c.shuffle) return '--no-shuffle keeps the training order, but Trainer always draws a seeded random order; drop --no-shuffle';
  return undefined;
}

/**
 * TrainingArguments (and the job's own keys) for gft's settings `c`, one to one:
 *   lr -> learning_rate; schedule linear|constant -> lr_scheduler_type linear|constant (both ignore warmup for
 *   'constant', as gft's schedule does); warmupSteps -> warmup_steps; weightDecay -> weight_decay (no-decay names
 *   in job.json); maxGradNorm -> max_grad_norm (0 = off in both); epochs -> num_train_epochs; batchSize ->
 *   batch_size (per optimizer micro-step, all processes together); gradAccumSteps -> gradient_accumulation_steps;
 *   seed -> seed and data_seed; evalEvery epoch|N|auto -> eval_strategy/save_strategy epoch|steps + eval_steps;
 *   bestMetric -> metric_for_best_model + greater_is_better with load_best_model_at_end; patience ->
 *   EarlyStoppingCallback; keepCheckpoints -> save_total_limit; AdamW betas (0.9, 0.999), eps 1e-8 -> adam_*.
 */
export function trainingArguments(c: TrainConfig, stepsPerEpoch: number): Record<string, unknown> {
  const every = resolveEvalEvery(c, stepsPerEpoch);
  const schedule =
    every === 'epoch'
      ? { eval_strategy: 'epoch', save_strategy: 'epoch' }
      : { eval_strategy: 'steps', eval_steps: every, save_strategy: 'steps', save_steps: every };
  const best =
    c.bestMetric === 'loss'
      ? { metric_for_best_model: 'loss', greater_is_better: false }
      : { metric_for_best_model: c.bestMetric === 'macroF1' ? 'macro_f1' : 'accuracy', greater_is_better: true };
  return {
    learning_rate: c.lr,
    lr_scheduler_type: c.schedule,
    warmup_steps: c.warmupSteps,
    weight_decay: c.weightDecay,
    optim: 'adamw_torch',
    adam_beta1: 0.9,
    adam_beta2: 0.999,
    adam_epsilon: 1e-8,
    max_grad_norm: c.maxGradNorm,
    num_train_epochs: c.epochs,
    batch_size: c.batchSize,
    eval_batch_size: Math.max(c.batchSize, 32),
    gradient_accumulation_steps: c.gradAccumSteps,
    seed: c.seed,
    data_seed: c.seed,
    ...schedule,
    load_best_model_at_end: true,
    ...best,
    early_stopping_patience: c.patience,
    save_total_limit: Math.max(1, c.keepCheckpoints),
    logging_strategy: 'steps',
    logging_steps: 1,
    report_to: 'none',
    dataloader_drop_last: false,
  };
}

/** The run's (or command's) settings, data and model, checked; a setting Trainer cannot express throws TrainerJobRefusal. */
async function resolveSource(p: TrainerJobParams): Promise<{ c: TrainConfig; data: PreparedData; src: DataSource; modelSpec: string; run?: RunFolder }> {
  if (!!p.runDir === !!p.train) throw new Error('give either a run folder (--run DIR) or the settings of gft train (--model ID --data SPEC ...)');
  if (p.runDir) {
    const run = RunFolder.open(p.runDir);
    if (!isFineTuneKind(run.manifest.kind))
      throw new TrainerJobRefusal(`run ${run.id} is a ${run.manifest.kind} run; only fine-tuning runs become Trainer jobs`);
    const saved = finetuneRunConfig(run);
    const c = resolveTrainConfig(saved);
    const refusal = refusalOf(c, saved.data.model);
    if (refusal) throw new TrainerJobRefusal(refusal);
    const src: DataSource = { data: saved.data.data, trainFile: saved.data.trainFile, evalFile: saved.data.evalFile, split: saved.data.split };
    const data = prepareData(src);
    if (run.manifest.dataset?.splitHash && data.ref.splitHash !== run.manifest.dataset.splitHash) {
      throw new Error(`the data of run ${run.id} changed since it ran (its split hash differs); the job would not train on the run's split`);
    }
    return { c, data, src, modelSpec: saved.modelDir ?? saved.data.model, run };
  }
  const t = p.train!;
  const c = resolveTrainConfig(t.config);
  const refusal = refusalOf(c, t.model);
  if (refusal) throw new TrainerJobRefusal(refusal);
  const src: DataSource = { data: t.data, trainFile: t.trainFile, evalFile: t.evalFile, split: t.split ?? (t.data ? DEFAULT_SPLIT : undefined) };
  return { c, data: prepareData(src), src, modelSpec: t.model };
}

/** The TrainConfig fields of a run.json config (which also holds data, execution, modelDir). */
/** Files of a model folder the job needs (config, weights, tokenizer); other formats' weights stay behind. */
function modelFiles(folder: string): string[] {
  const skip = /\.(onnx|h5|msgpack|ot|tflite|bin)$|^(onnx|tf_model|flax_model)/;
  return readdirSync(folder)
    .filter((f) => statSync(join(folder, f)).isFile() && !skip.test(f) && !f.startsWith('.'))
    .sort();
}

const jsonl = (rows: Example[], labels: string[]) =>
  rows.map((e) => JSON.stringify({ id: e.id, text: e.text, label: labels[e.label] })).join('\n') + (rows.length ? '\n' : '');

export function buildJob(c: TrainConfig, m: TrainableModel, data: PreparedData, src: DataSource, run?: RunFolder): TrainerJob {
  const maxLength = Math.min(c.maxLength, m.tokenizer.modelMaxLength);
  const budget = contentBudget(m.tokenizer.specials, maxLength);
  const longText = c.longText,
    evalLongText = c.evalLongText ?? c.longText;
  if (!isTruncation(longText) || !isTruncation(evalLongText))
    throw new TrainerJobRefusal(`long-text strategy ${longText}/${evalLongText} has no Trainer equivalent; use head, tail or head+tail`);
  const stepsPerEpoch = Math.ceil(data.train.length / (c.batchSize * c.gradAccumSteps));
  const isTrainable = trainableFilter(m.model, c.trainLayers);
  const scale = lrScaleOf(m.model, c.layerLrDecay);
  return {
    format: JOB_FORMAT,
    source: { run: run?.id ?? null, name: run?.manifest.name ?? null, gft: GFT_VERSION },
    model: {
      path: 'model',
      id: m.ref.id,
      architecture: m.model.architecture,
      numLayers: m.model.numLayers,
      tokenTypeIds: m.tokenizer.usesTokenTypeIds,
      ...(m.ref.fileHashes ? { fileHashes: m.ref.fileHashes } : {}),
    },
    labels: data.labels,
    data: {
      train: 'data/train.jsonl',
      validation: 'data/validation.jsonl',
      test: 'data/test.jsonl',
      sizes: { train: data.train.length, validation: data.validation.length, test: data.test.length },
      datasetId: data.ref.id,
      datasetHash: data.ref.hash,
      splitHash: data.ref.splitHash ?? null,
      source: src,
    },
    tokenization: { maxLength, longText, evalLongText, headTokens: defaultHeadTokens(budget) },
    training: trainingArguments(c, stepsPerEpoch),
    parameters: m.model.params.map((p) => p.name),
    trainable: m.model.params.filter(isTrainable).map((p) => p.name),
    noDecay: m.model.params.filter((p) => !p.decay).map((p) => p.name),
    lrScale: Object.fromEntries(
      m.model.params
        .filter(isTrainable)
        .map((p) => [p.name, scale(p)] as const)
        .filter(([, f]) => f !== 1),
    ),
    expected: { stepsPerEpoch, totalSteps: stepsPerEpoch * c.epochs },
    gftConfig: c,
  };
}

export async function exportTrainerJob(p: TrainerJobParams): Promise<TrainerJobResult> {
  const out = resolve(p.out);
  if (existsSync(out) && readdirSync(out).length > 0) throw new Error(`${out} exists and is not empty; choose a new --out folder`);
  const { c, data, src, modelSpec, run } = await resolveSource(p);
  const m = await loadTrainableModel(modelSpec, data.labels.length, c.seed, { weights: false });
  const job = buildJob(c, m, data, src, run);
  const files: Record<string, string | Uint8Array> = {
    'train.py': TRAIN_PY,
    [JOB_FILE]: JSON.stringify(job, null, 2) + '\n',
    'data/train.jsonl': jsonl(data.train, data.labels),
    'data/validation.jsonl': jsonl(data.validation, data.labels),
    'data/test.jsonl': jsonl(data.test, data.labels),
    'requirements.txt': JOB_REQUIREMENTS,
    'accelerate_config.yaml': ACCELERATE_CONFIG,
    'slurm.sbatch': slurmScript(run?.id ?? basename(out)),
    'README.md': jobReadme(job),
  };
  if (data.splitManifest) files[RUN_FILES.split] = JSON.stringify(data.splitManifest, null, 2) + '\n';
  mkdirSync(join(out, 'data'), { recursive: true });
  for (const [name, body] of Object.entries(files)) writeFileAtomic(join(out, name), body);
  mkdirSync(join(out, 'model'), { recursive: true });
  const copied = modelFiles(m.source).map((f) => {
    copyFileSync(join(m.source, f), join(out, 'model', f));
    return `model/${f}`;
  });
  return { dir: out, files: [...Object.keys(files), ...copied].sort().map((f) => join(out, f)), job };
}

function slurmScript(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '-');
  return [
    '#!/bin/bash',
    '# One or more nodes with 4 GPUs each: sbatch slurm.sbatch  (sbatch --nodes=2 slurm.sbatch for two nodes)',
    `#SBATCH --job-name=gft-${safe}`,
    '#SBATCH --nodes=1',
    '#SBATCH --ntasks-per-node=1',
    '#SBATCH --gpus-per-node=4',
    '#SBATCH --cpus-per-task=16',
    '#SBATCH --time=04:00:00',
    '#SBATCH --output=slurm-%j.out',
    'set -euo pipefail',
    'cd "$SLURM_SUBMIT_DIR"',
    '# source .venv/bin/activate   # the environment with requirements.txt installed',
    'GPUS_PER_NODE=4',
    'MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)',
    '# one accelerate launcher per node; each starts GPUS_PER_NODE processes (DDP over all nodes)',
    'srun bash -c \'accelerate launch --multi_gpu --num_machines "$SLURM_NNODES" --num_processes $((SLURM_NNODES * GPUS_PER_NODE)) \\',
    '  --machine_rank "$SLURM_NODEID" --main_process_ip "$0" --main_process_port 29500 train.py --out output\' "$MASTER_ADDR"',
    '',
  ].join('\n');
}

/** The `gft import` command that brings the job's model back on the job's own split. */
export function importCommand(job: TrainerJob): string {
  if (job.source.run) return `gft import --model output/model --split-of runs/${job.source.run}`;
  const s = job.data.source;
  const q = (x: string) => (/^[\w@%+=:,./-]+$/.test(x) ? x : `'${x.replace(/'/g, `'\\''`)}'`);
  if (s.trainFile) return `gft import --model output/model --train ${q(s.trainFile)}${s.evalFile ? ` --eval ${q(s.evalFile)}` : ''}`;
  const sp = s.split;
  const split = !sp
    ? ''
    : sp.fold !== undefined
      ? ` --fold ${sp.fold}${sp.folds !== undefined ? ` --folds ${sp.folds}` : ''} --split-seed ${sp.seed}`
      : ` --split ${sp.validation},${sp.test} --split-seed ${sp.seed}`;
  return `gft import --model output/model --data ${q(s.data ?? '')}${split}`;
}

function jobReadme(job: TrainerJob): string {
  const t = job.training;
  const from = job.source.run ? `gft run \`${job.source.run}\`${job.source.name ? ` ("${job.source.name}")` : ''}` : 'the settings of a `gft train` command';
  const sizes = job.data.sizes;
  const trained =
    job.trainable.length === job.parameters.length
      ? 'every parameter'
      : `${job.trainable.length} of ${job.parameters.length} parameter tensors (job.json "trainable")`;
  return `# Trainer job: ${job.model.architecture} on ${job.data.datasetId}

Exported by \`gft job export\` from ${from}: the same model (\`model/\`, copied from \`${job.model.id}\`), the same
split (\`data/\`: train ${sizes.train}, validation ${sizes.validation}, test ${sizes.test}; labels ${job.labels.join(', ')}) and the
same settings, run by Hugging Face transformers' Trainer with accelerate (DDP on one or many GPUs).

## Install (once, on the GPU machine)

\`\`\`sh
python3 -m venv .venv && . .venv/bin/activate
pip install -r requirements.txt      # torch 2.11, transformers 5.17, accelerate 1.15
\`\`\`

## Run

One GPU (or the CPU):

\`\`\`sh
python train.py
\`\`\`

Several GPUs on this machine (DDP; N = the number of GPUs; the batch size below is split over them, so N must
divide ${String(t.batch_size)}):

\`\`\`sh
accelerate launch --config_file accelerate_config.yaml --multi_gpu --num_processes N train.py
\`\`\`

A SLURM cluster (4 GPUs per node; edit the #SBATCH lines for yours): \`sbatch slurm.sbatch\`, or
\`sbatch --nodes=2 slurm.sbatch\` for two nodes.

Options: \`--out DIR\` (default \`output/\`), \`--model PATH_OR_ID\` (another copy of the model), \`--bf16\` (mixed
precision: faster, but no longer gft's fp32 arithmetic), \`--max-steps N\` (a short smoke test).

## What it writes

- \`output/model/\`: a Hugging Face checkpoint folder (config.json with id2label, model.safetensors, the tokenizer,
  and gft_job.json: this job and the ids of its training examples).
- \`output/metrics.json\`: test and validation accuracy, macro F1 and log loss, each step's loss, learning rate and
  gradient norm, the optimizer's parameter groups (learning rate before the schedule, weight decay, parameter names),
  the versions and the number of processes.
- \`output/predictions.jsonl\`: one line per test example: id, label, pred, probs.

Bring the model back into gft, evaluated by gft's engine on the same test set (with the leakage check against
gft_job.json's training ids):

\`\`\`sh
${importCommand(job)}
\`\`\`

## The settings (job.json), one to one

| gft | Trainer | value |
| --- | --- | --- |
| learning rate | learning_rate | ${String(t.learning_rate)} |
| schedule | lr_scheduler_type | ${String(t.lr_scheduler_type)} |
| warmup steps | warmup_steps | ${String(t.warmup_steps)} |
| weight decay | weight_decay (not on biases and LayerNorm weights: job.json "noDecay") | ${String(t.weight_decay)} |
| max grad norm | max_grad_norm (0 = no clipping) | ${String(t.max_grad_norm)} |
| epochs | num_train_epochs | ${String(t.num_train_epochs)} |
| batch size | per_device_train_batch_size x processes | ${String(t.batch_size)} |
| gradient accumulation | gradient_accumulation_steps | ${String(t.gradient_accumulation_steps)} |
| seed | seed, data_seed | ${String(t.seed)} |
| max length | truncation in train.py | ${job.tokenization.maxLength} |
| long texts (training / evaluation) | train.py's ${job.tokenization.longText} / ${job.tokenization.evalLongText} cut (head+tail: ${job.tokenization.headTokens} head tokens) | |
| what to train | requires_grad per parameter (job.json "trainable") | ${trained} |
| layer-wise learning-rate decay | one AdamW parameter group per learning-rate factor (job.json "lrScale") | ${job.gftConfig.layerLrDecay}${job.gftConfig.layerLrDecay === 1 ? ' (off)' : ''} |
| validation | eval_strategy / eval_steps | ${String(t.eval_strategy)}${t.eval_steps !== undefined ? ` every ${String(t.eval_steps)} steps` : ''} |
| best metric | metric_for_best_model (load_best_model_at_end) | ${String(t.metric_for_best_model)} |
| patience | EarlyStoppingCallback | ${String(t.early_stopping_patience)} |
| optimizer | optim adamw_torch, betas (0.9, 0.999), eps 1e-8 | |

Expected: ${job.expected.stepsPerEpoch} optimizer steps per epoch, ${job.expected.totalSteps} in all (train.py says so if
Trainer plans another number).

What differs from gft's run: the order of the training examples (Trainer's seeded sampler) and the new
classifier head's random initial values (torch's, from the same seed). With dropout 0, the same initial weights
and the same batches, the two engines' first optimizer steps agree (loss within 1e-3 relative; gft's test
test/unit/host/trainer-job-parity.test.ts).
`;
}
