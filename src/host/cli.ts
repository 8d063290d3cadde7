// `gft`: the headless CLI. Each command has --help; bad arguments and bad data give one line on stderr and a
// non-zero exit (2 = usage, 1 = the command failed). Jobs run in this process (no host child needed); progress
// is a bar on a TTY, JSON lines with --json, plain log lines otherwise.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { BaselineKind } from '../protocol';
import { SettingError } from '../shared/settings';
import { common, dataOptions, dataSource, DATA_HELP, num, oneOf, outFolder, printResult, processIo, runJobWithProgress, str, UsageError, withCancel, withFlags, type Command, type Io, type Values } from './cli/common';
import { checkResumeFlags, EXECUTION_HELP, execution, settingFlag, trainConfig, trainOptions, TRAIN_OPTIONS_HELP } from './cli/settings';
import { cudaLibraries, describeMissingLibraries, describeSelection, hardwareGpus, installCudaProviders, missingLoaderLibraries, ortBindingDir, selectDevice, vulkanIcds, type DeviceChoice } from '../engine/devices';
import { parseLabelMap } from './data';
import { hostInfo, packageVersions } from './info';
import { compareRuns, crossValidate, evaluateRun, predictTexts, prepareData, summarizeData, type CrossValidateParams, type CvResult } from './jobs';
import { jobHandlers } from './jobs/registry';
import { exportTrainerJob, TrainerJobRefusal } from './jobs/trainerJob';
import { importModel } from './jobs/importModel';
import { runDemo } from './report/demo';
import { buildReflection, writeReflection } from './reflect';
import { listRuns } from './runs';
import { writeFileAtomic } from './runs';

const fmtSeconds = (s: number) => (s < 90 ? `${s.toFixed(s < 10 ? 1 : 0)} s` : s < 5400 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`);

const commands: Record<string, Command> = {
  info: {
    summary: 'print versions and devices',
    usage: 'Usage: gft info\n\nPrints the versions of gft, Node.js, onnxruntime-node and the installed packages run.json records, as JSON.',
    options: common,
    run: async (_v, _p, io) => {
      io.out(JSON.stringify({ ...hostInfo(), packages: packageVersions() }, null, 2));
      return 0;
    },
  },
  data: {
    summary: 'load and split a dataset, print its summary',
    usage: `Usage: gft data (--data SPEC | --train FILE [--eval FILE]) [--split V,T] [--split-seed N] [--json]\n\n${DATA_HELP}`,
    options: { ...common, ...dataOptions },
    run: async (v, _p, io) => {
      const s = summarizeData(prepareData(dataSource(v)));
      if (v.json) io.out(JSON.stringify(s));
      else {
        io.out(`${s.id}: labels ${s.labels.join(', ')}; train ${s.sizes.train}, validation ${s.sizes.validation}, test ${s.sizes.test}`);
        for (const [l, c] of Object.entries(s.labelCounts)) io.out(`  ${l}: train ${c.train}, validation ${c.validation}, test ${c.test}`);
        io.out(`dataset hash ${s.hash}\nsplit hash ${s.splitHash}`);
        for (const w of s.warnings) io.out(`warning: ${w}`);
      }
      return 0;
    },
  },
  train: {
    summary: 'fine-tune a model on a dataset',
    usage: `Usage: gft train --model ID (--data SPEC | --train FILE [--eval FILE]) [--out DIR] [options]

  --model ID             'starter' (offline Universal Sentence Encoder Lite), a local model folder, or a hub id
  --out DIR              the run folder to create (default: runs/<new id>)
${DATA_HELP}
${TRAIN_OPTIONS_HELP}
  --resume DIR           continue an interrupted run from its last checkpoint with its model, data and settings;
                         only --epochs (more than the run's), --device and --threads may be given with it
  --json                 JSON lines (events and the result) instead of a progress bar`,
    options: {
      ...common, ...dataOptions,
      ...trainOptions, model: { type: 'string' }, out: { type: 'string' }, resume: { type: 'string' },
    },
    run: async (v, _p, io) => {
      const resume = str(v, 'resume');
      // A resumed run takes its model, data and settings from its run.json: only more --epochs, --device, --threads.
      if (resume !== undefined) checkResumeFlags(v);
      const model = str(v, 'model');
      if (!model && resume === undefined) throw new UsageError('--model is required (e.g. --model starter)');
      const config = trainConfig(v);
      const src = resume !== undefined ? {} : dataSource(v);
      const json = Boolean(v.json);
      const r = await runJobWithProgress(io, json, (ctx) => jobHandlers.train({ ...src, model: model ?? '', ...outFolder(v), config, resumeRunDir: resume, ...execution(v) }, ctx));
      return printResult(io, json, r);
    },
  },
  probe: {
    summary: 'estimate a fine-tuning run before starting it: time per epoch, total time, memory (a few real steps)',
    usage: `Usage: gft probe --model ID (--data SPEC | --train FILE [--eval FILE]) [training options] [--steps N] [--json]

Builds the training program \`gft train\` would build with the same options, runs one warm-up and up to N measured
optimizer steps on real training batches on this device, times one evaluation batch, and prints the time per
step and per epoch, the total with evaluation, peak memory and the number of trained parameters. Writes nothing.
  --model ID             'starter', a local model folder, or a hub id in the model cache
  --steps N              most steps measured after the warm-up (default 8; it stops after 20 s once 2 are measured)
${DATA_HELP}
${TRAIN_OPTIONS_HELP}
  --json                 the estimate as one JSON object`,
    options: { ...common, ...dataOptions, ...trainOptions, model: { type: 'string' }, steps: { type: 'string' } },
    run: async (v, _p, io) => {
      const model = str(v, 'model');
      if (!model) throw new UsageError('--model is required (e.g. --model starter)');
      const params = { ...dataSource(v), model, config: trainConfig(v), steps: num(v, 'steps', { int: true, min: 1, max: 50 }), ...execution(v) };
      const json = Boolean(v.json);
      const r = await withCancel((signal) => jobHandlers.probe(params, { signal, log: (l) => (json || !io.isTTY ? undefined : io.err(l.message)) }));
      if (json) {
        io.out(JSON.stringify(r));
        return 0;
      }
      io.out(`device: ${r.device}`);
      io.out(`${fmtSeconds(r.secondsPerStep)} per step (${r.rowsPerStep} rows; mean of the last ${Math.ceil(r.measuredSteps / 2)} of ${r.measuredSteps} measured steps) x ${r.stepsPerEpoch} steps = ${fmtSeconds(r.secondsPerEpoch)} per epoch`);
      io.out(`total for ${r.epochs} epoch${r.epochs === 1 ? '' : 's'} with ${r.evalPasses} evaluation pass${r.evalPasses === 1 ? '' : 'es'} (${fmtSeconds(r.evalSeconds)}): about ${fmtSeconds(r.totalSeconds)}, plus ${fmtSeconds(r.setupSeconds)} to load and prepare`);
      io.out(`memory: peak ${Math.round(r.peakRssMiB)} MiB; trains ${r.trainableParams.toLocaleString('en-US')} of ${r.totalParams.toLocaleString('en-US')} parameters`);
      for (const n of r.notes) io.out(`note: ${n}`);
      for (const w of r.warnings ?? []) io.out(`warning: ${w}`);
      return 0;
    },
  },
  baseline: {
    summary: 'train a baseline: TF-IDF + logistic regression, or frozen embeddings + logistic regression',
    usage: `Usage: gft baseline --kind tfidf|embeddings (--data SPEC | --train FILE [--eval FILE]) [--out DIR] [options]

  --kind tfidf           TF-IDF of word uni+bigrams (sublinear tf, min_df 2) + L2 logistic regression
  --kind embeddings      mean-pooled frozen embeddings of --model (default starter) + L2 logistic regression
  --C X                  inverse L2 strength as in scikit-learn (default: chosen on validation from 1, 10, 100)
  --seed N               seed for the bootstrap CIs (default 42)
  --out DIR              the run folder to create (default: runs/<new id>)
${DATA_HELP}
  --json                 JSON lines instead of a progress bar`,
    options: { ...common, ...dataOptions, kind: { type: 'string' }, C: { type: 'string' }, seed: { type: 'string' }, model: { type: 'string' }, out: { type: 'string' } },
    run: async (v, _p, io) => {
      const kind = oneOf(v, 'kind', ['tfidf', 'embeddings'] as const satisfies readonly BaselineKind[]);
      if (!kind) throw new UsageError('--kind is required: tfidf or embeddings');
      const params = { kind, ...dataSource(v), ...outFolder(v), C: num(v, 'C', { min: 1e-9 }), seed: num(v, 'seed', { int: true, min: 0 }), model: str(v, 'model') };
      const json = Boolean(v.json);
      const r = await runJobWithProgress(io, json, (ctx) => jobHandlers.baseline(params, ctx));
      return printResult(io, json, r);
    },
  },
  eval: {
    summary: 'evaluate a finished run on data; prints the metrics as JSON',
    usage: `Usage: gft eval --run DIR --data PATH [--text-column C] [--label-column C] [--label-map A=B,...] [--predictions] [--json]

Prints the metrics as JSON, with the data's warnings (encoding, duplicates, label map) in "warnings"; without
--json the warnings are also printed on stderr.

  --run DIR              a completed run folder
  --data PATH            JSONL/CSV/folder with text and label (all of it is used), or builtin:movie-reviews
                         (its test split, made with the run's split settings)
  --text-column C        the column (or JSONL key) holding the text, when it is not text/review/sentence/...
  --label-column C       the column holding the label, when it is not label/sentiment/class/...
  --label-map A=B,...    maps the file's label values to the run's labels, e.g. positive=pos,negative=neg
  --predictions          include every example's prediction in the JSON
  --json                 print the warnings only in the JSON`,
    options: { ...common, run: { type: 'string' }, data: { type: 'string' }, predictions: { type: 'boolean' }, 'text-column': { type: 'string' }, 'label-column': { type: 'string' }, 'label-map': { type: 'string' } },
    run: async (v, _p, io) => {
      const run = str(v, 'run');
      const data = str(v, 'data');
      if (!run || !data) throw new UsageError('both --run DIR and --data PATH are required');
      const labelMap = str(v, 'label-map');
      const mapping = { textColumn: str(v, 'text-column'), labelColumn: str(v, 'label-column'), labelMap: labelMap ? parseLabelMap(labelMap) : undefined };
      const { predictions, ...metrics } = await evaluateRun(run, data, 0, mapping);
      // the JSON carries the data's warnings; without --json they are also said on stderr
      if (!v.json) for (const w of metrics.warnings) io.err(`warning: ${w}`);
      io.out(JSON.stringify(v.predictions ? { ...metrics, predictions } : metrics, null, 2));
      return 0;
    },
  },
  cv: {
    summary: 'cross-validate a baseline or a fine-tune: one run per fold, every example tested once, pooled metrics',
    usage: `Usage: gft cv --kind tfidf|embeddings|finetune --data SPEC [--folds K] [--out DIR] [options]

Runs the job once per fold (DIR/fold-01, ...: ordinary run folders whose test set is that fold; validation is 10%
of the data from the other folds), then pools every fold's test predictions: each example is tested exactly once.
Prints each fold's accuracy, their mean and standard deviation, and the pooled accuracy with its 95% CI; writes
DIR/cv.json and DIR/predictions.jsonl. \`gft compare DIR_A DIR_B\` pairs two cross-validations on every example.
Run the same command again to continue an interrupted one (completed folds are kept).

  --kind K               tfidf, embeddings (frozen --model embeddings) or finetune (--model, training options)
  --data SPEC            builtin:movie-reviews (Pang & Lee's 10 folds), a folder or a .csv/.tsv/.jsonl file
  --folds K              K seeded stratified folds (default: the dataset's own folds)
  --split-seed N         seed of the folds and of each fold's validation set (default 42)
  --out DIR              the cross-validation folder (default: runs/cv-<kind>)
  --model ID             the model to fine-tune, or whose embeddings to use (default starter)
  --C X  --seed N        baseline options, as gft baseline
${TRAIN_OPTIONS_HELP}
  --json                 JSON lines (events and the summary) instead of a progress bar`,
    options: { ...common, ...trainOptions, data: { type: 'string' }, folds: { type: 'string' }, 'split-seed': { type: 'string' }, kind: { type: 'string' }, model: { type: 'string' }, out: { type: 'string' }, C: { type: 'string' } },
    run: async (v, _p, io) => {
      const kind = oneOf(v, 'kind', ['tfidf', 'embeddings', 'finetune'] as const);
      if (!kind) throw new UsageError('--kind is required: tfidf, embeddings or finetune');
      const data = str(v, 'data');
      if (!data) throw new UsageError('--data is required (e.g. --data builtin:movie-reviews): cross-validation splits one dataset');
      const params: CrossValidateParams = {
        kind, data, dir: resolve(str(v, 'out') ?? join('runs', `cv-${kind}`)), folds: num(v, 'folds', { int: true, min: 2 }), splitSeed: num(v, 'split-seed', { int: true, min: 0 }),
        model: str(v, 'model'), C: num(v, 'C', { min: 1e-9 }), seed: num(v, 'seed', { int: true, min: 0 }),
        ...(kind === 'finetune' ? { config: trainConfig(v), ...execution(v) } : {}),
      };
      const json = Boolean(v.json);
      const r: CvResult = await runJobWithProgress(io, json, (ctx) => crossValidate(params, ctx));
      const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
      if (json) io.out(JSON.stringify({ event: 'result', ...r }));
      else if (r.summary) {
        const s = r.summary;
        for (const f of s.perFold) io.out(`fold ${f.fold}: accuracy ${pct(f.accuracy)} (n ${f.n})`);
        io.out(`mean of ${s.folds} folds ${pct(s.meanAccuracy)} (sd ${pct(s.sdAccuracy)}); pooled ${pct(s.pooled.accuracy)} (95% CI ${pct(s.pooled.accuracyCI[0])}-${pct(s.pooled.accuracyCI[1])}, n ${s.pooled.n}), macro F1 ${s.pooled.macroF1.toFixed(4)}`);
        io.out(`completed: ${r.dir}`);
      } else io.out(`${r.status}: ${r.dir}${r.error ? `\nerror: ${r.error}` : ''}`);
      return r.status === 'completed' ? 0 : r.status === 'cancelled' ? 130 : 1;
    },
  },
  compare: {
    summary: 'compare two runs on the same test set (paired bootstrap CI, McNemar exact test)',
    usage: 'Usage: gft compare RUN_A RUN_B [--json]\n\nCompares the test predictions of two completed runs: accuracy difference B - A with a paired\nbootstrap 95% CI, McNemar\'s exact p-value, and the examples B fixed and broke. A cross-validation folder\n(gft cv) stands for its pooled predictions.',
    options: common,
    run: async (v, p, io) => {
      if (p.length !== 2) throw new UsageError('give exactly two run folders: gft compare RUN_A RUN_B');
      const c = compareRuns(p[0], p[1]);
      if (v.json) io.out(JSON.stringify(c));
      else {
        const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
        io.out(`A ${pct(c.accuracyA)}  B ${pct(c.accuracyB)}  B - A ${pct(c.difference)} (95% CI ${pct(c.differenceCI[0])} to ${pct(c.differenceCI[1])})`);
        io.out(`McNemar exact p = ${c.mcnemarP.toPrecision(3)}; B fixed ${c.onlyBCorrect}, broke ${c.onlyACorrect} of ${c.n}`);
      }
      return 0;
    },
  },
  predict: {
    summary: 'predict labels for texts with a finished run or an exported model',
    usage: 'Usage: gft predict (--run DIR | --model EXPORT_DIR [--int8]) (--text TEXT ... | --input FILE)\n\n  --run DIR              a finished run folder\n  --model EXPORT_DIR     a folder written by gft export: the ONNX model alone, no run needed\n  --int8                 with --model: use the int8 (quantized) model\n  --text TEXT            a text to classify (repeatable)\n  --input FILE           a JSONL file with a "text" field per line, or a plain text file (one text per line)\nPrints one JSON line per text: {"text", "label", "probs"}.',
    options: { ...common, run: { type: 'string' }, model: { type: 'string' }, int8: { type: 'boolean' }, text: { type: 'string', multiple: true }, input: { type: 'string' } },
    run: async (v, _p, io) => {
      const runDir = str(v, 'run');
      const model = str(v, 'model');
      if (!!runDir === !!model) throw new UsageError('pass either --run DIR (a run folder) or --model DIR (an export folder)');
      if (v.int8 && !model) throw new UsageError('--int8 needs --model EXPORT_DIR (a folder written by gft export)');
      const run = (runDir ?? model)!;
      if (!existsSync(run)) throw new UsageError(`folder not found: ${run}`);
      let texts = (v.text as string[] | undefined) ?? [];
      const input = str(v, 'input');
      if (input) {
        if (!existsSync(input)) throw new UsageError(`file not found: ${input}`);
        texts = texts.concat(readFileSync(input, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l, i) => {
          if (!input.endsWith('.jsonl')) return l;
          try {
            const t = (JSON.parse(l) as { text?: unknown }).text;
            if (typeof t !== 'string') throw new Error('no text');
            return t;
          } catch {
            throw new UsageError(`${input}:${i + 1} is not a JSON object with a "text" string`);
          }
        }));
      }
      if (texts.length === 0) throw new UsageError('no texts: pass --text TEXT or --input FILE');
      const r = await predictTexts(run, texts, { precision: v.int8 ? 'int8' : 'fp32' });
      r.predictions.forEach((p, i) => io.out(JSON.stringify({ text: texts[i], label: p.label, probs: Object.fromEntries(r.labels.map((l, j) => [l, p.probs[j]])) })));
      return 0;
    },
  },
  export: {
    summary: 'export a fine-tuned run (ONNX inference model, weights, tokenizer, labels)',
    usage: 'Usage: gft export --run DIR --out DIR',
    options: { ...common, run: { type: 'string' }, out: { type: 'string' } },
    run: async (v, _p, io) => {
      const run = str(v, 'run');
      const out = str(v, 'out');
      if (!run || !out) throw new UsageError('both --run DIR and --out DIR are required');
      const r = await jobHandlers.export({ runDir: run, out });
      io.out(v.json ? JSON.stringify(r) : [...r.files, ...(r.check ? [r.check] : [])].join('\n'));
      return 0;
    },
  },
  job: {
    summary: 'export a run as a Hugging Face Trainer + accelerate job folder (one GPU, several, SLURM)',
    usage: `Usage: gft job export (--run DIR | --model ID (--data SPEC | --train FILE [--eval FILE]) [training options]) --out JOBDIR [--json]

Writes a self-contained folder: train.py (transformers' Trainer), job.json (the run's settings mapped one to one),
the run's split as JSONL, the base model, requirements.txt, an accelerate config, a SLURM script and a README with
the commands. A setting Trainer cannot express (the starter model, --long-text sentence-mean or chunks,
--no-shuffle) is refused with the reason.
  --run DIR              a fine-tuning run folder: its settings, split and model
  --config               (optional) take the settings from the flags of gft train below instead of a run
  --model ID             a local Hugging Face model folder or a hub id in the model cache
  --out JOBDIR           the job folder to create (must be new or empty)
${DATA_HELP}
${TRAIN_OPTIONS_HELP}`,
    options: { ...common, ...dataOptions, ...trainOptions, run: { type: 'string' }, config: { type: 'boolean' }, model: { type: 'string' }, out: { type: 'string' } },
    run: async (v, positionals, io) => {
      if (positionals[0] !== 'export' || positionals.length !== 1) throw new UsageError(positionals.length ? `unknown job command '${positionals.join(' ')}'; use 'gft job export'` : "give a subcommand: 'gft job export'");
      const out = str(v, 'out');
      if (!out) throw new UsageError('--out JOBDIR is required (the job folder to create)');
      const runDir = str(v, 'run');
      const model = str(v, 'model');
      if (runDir && (model || v.config)) throw new UsageError('give either --run DIR or --model ID with the training options (--config), not both');
      if (!runDir && !model) throw new UsageError('give --run DIR (a fine-tuning run) or --model ID --data SPEC with the options of gft train');
      if (runDir && !existsSync(runDir)) throw new UsageError(`run folder not found: ${runDir}`);
      let r;
      try {
        r = await exportTrainerJob(runDir ? { runDir, out } : { train: { ...dataSource(v), model: model!, config: trainConfig(v) }, out });
      } catch (e) {
        if (e instanceof TrainerJobRefusal) throw new UsageError(`cannot export as a Trainer job: ${e.message}`);
        throw e;
      }
      if (v.json) io.out(JSON.stringify({ dir: r.dir, files: r.files, expected: r.job.expected, training: r.job.training }));
      else io.out(`${r.dir}: ${r.files.length} files; ${r.job.expected.totalSteps} optimizer steps (${r.job.expected.stepsPerEpoch} per epoch)\nnext: cd ${r.dir} && python train.py   (see README.md for several GPUs and SLURM)`);
      return 0;
    },
  },
  import: {
    summary: 'bring in a model trained elsewhere (a Trainer job, a notebook): a run evaluated here on a test split',
    usage: `Usage: gft import --model DIR (--split-of RUN | --data SPEC | --train FILE [--eval FILE]) [--name N] [--out DIR] [options]

Wraps a Hugging Face sequence-classification checkpoint folder (config.json with id2label, model.safetensors, the
tokenizer) as a run folder: evaluated by this engine on the test split (predictions, metrics, saliency), so that
compare, reflect, predict and export take it like a fine-tuning run. A job of \`gft job export\` leaves
gft_job.json in its model folder: its settings are used and its training examples are checked against the test set.
  --model DIR            the checkpoint folder (a job's output/model, or save_pretrained's folder)
  --split-of RUN         test on this run's data and split (the fair comparison with it)
  --name N               the run's name (default 'imported · <folder>')
  --label-map A=B,...    the model's label names -> the data's, when they differ (e.g. LABEL_0=neg,LABEL_1=pos)
  --max-length N         tokens read per text (default: the job's, else 128)
  --long-text head|tail|head+tail|chunks   how long texts are read (default: the job's, else head)
  --out DIR              the run folder to create (default: runs/<new id>)
  --device, --threads    where this engine evaluates (default cpu)
${DATA_HELP}
  --json                 the result as one JSON line`,
    options: {
      ...common, ...dataOptions, model: { type: 'string' }, 'split-of': { type: 'string' }, name: { type: 'string' }, 'label-map': { type: 'string' },
      'max-length': { type: 'string' }, 'long-text': { type: 'string' }, out: { type: 'string' }, device: { type: 'string' }, threads: { type: 'string' },
    },
    run: async (v, _p, io) => {
      const model = str(v, 'model');
      if (!model) throw new UsageError('--model DIR is required (a Hugging Face checkpoint folder, e.g. a Trainer job\'s output/model)');
      const splitOf = str(v, 'split-of');
      if (splitOf && (str(v, 'data') || str(v, 'train'))) throw new UsageError('give either --split-of RUN or the data options, not both');
      if (splitOf && !existsSync(splitOf)) throw new UsageError(`run folder not found: ${splitOf}`);
      const labelMap = str(v, 'label-map');
      const json = Boolean(v.json);
      const r = await runJobWithProgress(io, json, (ctx) => importModel({
        model, ...(splitOf ? { splitOf } : dataSource(v)), name: str(v, 'name'), ...outFolder(v), labelMap: labelMap ? parseLabelMap(labelMap) : undefined,
        maxLength: settingFlag(v, 'max-length', 'maxLength'), longText: settingFlag(v, 'long-text', 'evalLongText'), ...execution(v),
      }, ctx));
      if (!json) {
        const l = r.leakage;
        io.out(l.checked ? `leakage check: ${l.testInTraining} of ${l.testExamples} test examples were in the job's training data` : `leakage check not possible: ${l.reason}`);
        if (r.jobTest) io.out(`the job's own test accuracy ${(r.jobTest.accuracy * 100).toFixed(2)}% (n ${r.jobTest.n})`);
      }
      return printResult(io, json, r);
    },
  },
  runs: {
    summary: 'list the runs in a runs folder',
    usage: 'Usage: gft runs [--root DIR] [--json]\n\n  --root DIR             the runs folder (default: runs)',
    options: { ...common, root: { type: 'string' } },
    run: async (v, _p, io) => {
      const runs = listRuns(resolve(str(v, 'root') ?? 'runs'));
      if (v.json) io.out(JSON.stringify(runs));
      else for (const r of runs) io.out(`${r.id}  ${r.name}  ${r.kind}  ${r.status}${r.testAccuracy !== undefined ? `  test ${(r.testAccuracy * 100).toFixed(2)}%` : ''}`);
      return 0;
    },
  },
  gpu: {
    summary: 'which device can train here (CPU always; CUDA or WebGPU when usable), and installing CUDA support',
    usage: `Usage: gft gpu status [--device auto|cpu|cuda|webgpu] [--json]
       gft gpu install

  status                 probes each accelerator (in a child process) and says which device training would use
                         and, for each one not used, why
  install                downloads onnxruntime-node's CUDA provider libraries with its own install script
                         (needs internet; CUDA 12 and cuDNN 9 runtime libraries must also be installed)`,
    options: { ...common, device: { type: 'string' } },
    run: async (v, positionals, io) => {
      const sub = positionals[0];
      if (sub === 'install') {
        const r = await installCudaProviders();
        if (r.ok) io.out(r.message);
        else io.err(r.message);
        return r.ok ? 0 : 1;
      }
      if (sub !== undefined && sub !== 'status') throw new UsageError(`unknown gpu command '${sub}'; use 'gft gpu status' or 'gft gpu install'`);
      const choice: DeviceChoice = execution(v).device ?? 'auto';
      const sel = await selectDevice(choice);
      const icds = vulkanIcds();
      const missing = missingLoaderLibraries(icds);
      if (v.json) {
        io.out(JSON.stringify({ ...sel, cudaLibraryFolder: ortBindingDir(), cudaLibrariesMissing: cudaLibraries().missing, vulkanDrivers: icds, loaderLibrariesMissing: missing, gpus: hardwareGpus() }));
        return 0;
      }
      io.out(describeSelection(sel));
      for (const d of ['cuda', 'webgpu'] as const) io.out(`  ${d.padEnd(7)} ${sel.device === d ? 'used' : sel.reasons[d] ?? 'not probed'}`);
      if (sel.adapter) io.out(`  adapter ${sel.adapter.name} (${sel.adapter.vendor}; ${sel.adapter.driver})${sel.adapter.software ? ' — a software rasteriser, slower than the cpu' : ''}`);
      io.out(`  vulkan  ${icds.length ? icds.map((i) => `${i.library}${i.software ? ' (software)' : ''}`).join(', ') : 'no Vulkan driver (ICD) found'}`);
      const lib = describeMissingLibraries(missing);
      if (lib) io.out(`  loader  ${lib}`);
      return 0;
    },
  },
  reflect: {
    summary: "write the chapter's reflection (Markdown) from the runs in a folder, every number measured",
    usage: `Usage: gft reflect [--runs DIR] [--out FILE] [--data SPEC | --train FILE [--eval FILE]] [--split-hash H]
                   [--ood PATH] [--no-latency] [--json]

Answers the chapter's questions (did fine-tuning beat the earlier models and why; what would make it better;
what limits it in production) with the accuracies, confidence intervals, significance tests, truncation,
error patterns, model size and latency of the runs that share one test split.
  --runs DIR             the runs folder (default: runs)
  --out FILE             write the Markdown here (default: print it)
  --data/--train/--eval  where the runs' texts are, when they were trained on an imported file
  --split-hash H         compare the runs of this split (default: the split with a fine-tuning run and most runs)
  --ood PATH             also evaluate every compared run on this dataset (out-of-domain check)
  --no-latency           do not time each run's predictor`,
    options: { ...common, runs: { type: 'string' }, out: { type: 'string' }, data: { type: 'string' }, train: { type: 'string' }, eval: { type: 'string' }, 'split-hash': { type: 'string' }, ood: { type: 'string' }, 'no-latency': { type: 'boolean' } },
    run: async (v, _p, io) => {
      const runs = resolve(str(v, 'runs') ?? 'runs');
      for (const flag of ['train', 'eval', 'ood']) {
        const path = str(v, flag);
        if (path && !existsSync(path)) throw new UsageError(`--${flag} ${path} does not exist; pass an existing file or folder`);
      }
      const source = str(v, 'data') || str(v, 'train') ? { data: str(v, 'data'), trainFile: str(v, 'train'), evalFile: str(v, 'eval') } : undefined;
      const opts = { source, splitHash: str(v, 'split-hash'), outOfDomain: str(v, 'ood'), measureLatency: !v['no-latency'] };
      if (v.json) {
        io.out(JSON.stringify(await buildReflection(runs, opts)));
        return 0;
      }
      const md = await writeReflection(runs, opts);
      const out = str(v, 'out');
      if (out) {
        writeFileAtomic(out, md);
        io.out(out);
      } else io.out(md);
      return 0;
    },
  },
  demo: {
    summary: 'the whole story offline: movie reviews, baselines, fine-tuning the starter model, a report',
    usage: `Usage: gft demo [--out DIR] [--quick] [--json]

Runs, on the built-in movie reviews with a seeded split: the TF-IDF baseline, the frozen-embedding baseline and
fine-tuning of the starter model, then writes a comparison report (report.md and report.json) in DIR.
  --out DIR              where to put the runs and the report (default: gft-demo)
  --quick                a smaller, faster version (fewer reviews and steps) to try things out
${EXECUTION_HELP}`,
    options: { ...common, out: { type: 'string' }, quick: { type: 'boolean' }, device: { type: 'string' }, threads: { type: 'string' } },
    run: async (v, _p, io) => {
      const json = Boolean(v.json);
      const r = await runJobWithProgress(io, json, (ctx) => runDemo({ out: resolve(str(v, 'out') ?? 'gft-demo'), quick: Boolean(v.quick), ...execution(v) }, ctx, (l) => (json ? undefined : io.err(l))));
      if (json) io.out(JSON.stringify({ event: 'result', ...r }));
      else io.out(`report: ${r.reportMarkdown}\n${r.summary}`);
      return 0;
    },
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return `gft — guided fine-tuning of transformers for text classification

Usage: gft <command> [options]

Commands:
${Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width + 2)}${c.summary}`).join('\n')}
  help${' '.repeat(width - 2)}show this help

Run \`gft <command> --help\` for a command's options.`;
}

export type { Io };

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(usage());
    return 0;
  }
  const cmd = commands[name];
  if (!cmd) {
    io.err(`gft: unknown command '${name}'. Run 'gft --help' for the list of commands.`);
    return 2;
  }
  try {
    let parsed: { values: Values; positionals: string[] };
    try {
      parsed = parseArgs({ args: rest, options: cmd.options, strict: true, allowPositionals: true }) as { values: Values; positionals: string[] };
    } catch (err) {
      throw new UsageError((err as Error).message.split('\n')[0].replace(/\. To specify.*$/, ''));
    }
    if (parsed.values.help) {
      io.out(cmd.usage);
      return 0;
    }
    if (parsed.positionals.length && name !== 'compare' && name !== 'gpu' && name !== 'job') throw new UsageError(`unexpected argument '${parsed.positionals[0]}'`);
    return await cmd.run(parsed.values, parsed.positionals, io);
  } catch (err) {
    // a host error about settings names them as flags here (the host names the setting: "learning rate ...")
    const msg = (err instanceof SettingError ? withFlags(err) : err instanceof Error ? err.message : String(err)).split('\n')[0];
    if (err instanceof UsageError) {
      io.err(`gft ${name}: ${msg}. Run 'gft ${name} --help' for the options.`);
      return 2;
    }
    io.err(`gft ${name}: ${msg}`);
    return 1;
  }
}

// Run when this module is the program (the bundle dist/cli.js required by bin/gft.js), not when imported by tests.
if (require.main === module || /(^|[\\/])(gft|gft\.js|cli\.js)$/.test(process.argv[1] ?? '')) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`gft: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      process.exit(1);
    },
  );
}
