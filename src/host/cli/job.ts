// `gft job`: export a run as a Hugging Face Trainer + accelerate job folder (one GPU, several, SLURM).
import { existsSync } from 'node:fs';
import { common, dataOptions, dataSource, DATA_HELP, str, UsageError, type Command } from './common';
import { trainConfig, trainOptions, TRAIN_OPTIONS_HELP } from './settings';
import { exportTrainerJob, TrainerJobRefusal } from '../jobs/trainerJob';

export const jobCommand: Command = {
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
  options: {
    ...common,
    ...dataOptions,
    ...trainOptions,
    run: { type: 'string' },
    config: { type: 'boolean' },
    model: { type: 'string' },
    out: { type: 'string' },
  },
  run: async (v, positionals, io) => {
    if (positionals[0] !== 'export' || positionals.length !== 1)
      throw new UsageError(positionals.length ? `unknown job command '${positionals.join(' ')}'; use 'gft job export'` : "give a subcommand: 'gft job export'");
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
    else
      io.out(
        `${r.dir}: ${r.files.length} files; ${r.job.expected.totalSteps} optimizer steps (${r.job.expected.stepsPerEpoch} per epoch)\nnext: cd ${r.dir} && python train.py   (see README.md for several GPUs and SLURM)`,
      );
    return 0;
  },
};
