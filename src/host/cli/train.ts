// `gft train`: fine-tune a model on a dataset.
import { common, dataOptions, dataSource, DATA_HELP, outFolder, printResult, runJobWithProgress, str, UsageError, type Command } from './common';
import { checkResumeFlags, execution, trainConfig, trainOptions, TRAIN_OPTIONS_HELP } from './settings';
import { jobHandlers } from '../jobs/registry';

export const trainCommand: Command = {
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
    ...common,
    ...dataOptions,
    ...trainOptions,
    model: { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'string' },
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
    const r = await runJobWithProgress(io, json, (ctx) =>
      jobHandlers.train({ ...src, model: model ?? '', ...outFolder(v), config, resumeRunDir: resume, ...execution(v) }, ctx),
    );
    return printResult(io, json, r);
  },
};
