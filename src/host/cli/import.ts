// `gft import`: bring in a model trained elsewhere (a Trainer job, a notebook): a run evaluated here on a test split.
import { existsSync } from 'node:fs';
import { common, dataOptions, dataSource, DATA_HELP, outFolder, printResult, runJobWithProgress, str, UsageError, type Command } from './common';
import { execution, settingFlag } from './settings';
import { parseLabelMap } from '../data';
import { importModel } from '../jobs/importModel';
import { pct } from '../../shared/format';

export const importCommand: Command = {
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
    ...common,
    ...dataOptions,
    model: { type: 'string' },
    'split-of': { type: 'string' },
    name: { type: 'string' },
    'label-map': { type: 'string' },
    'max-length': { type: 'string' },
    'long-text': { type: 'string' },
    out: { type: 'string' },
    device: { type: 'string' },
    threads: { type: 'string' },
  },
  run: async (v, _p, io) => {
    const model = str(v, 'model');
    if (!model) throw new UsageError("--model DIR is required (a Hugging Face checkpoint folder, e.g. a Trainer job's output/model)");
    const splitOf = str(v, 'split-of');
    if (splitOf && (str(v, 'data') || str(v, 'train'))) throw new UsageError('give either --split-of RUN or the data options, not both');
    if (splitOf && !existsSync(splitOf)) throw new UsageError(`run folder not found: ${splitOf}`);
    const labelMap = str(v, 'label-map');
    const json = Boolean(v.json);
    const r = await runJobWithProgress(io, json, (ctx) =>
      importModel(
        {
          model,
          ...(splitOf ? { splitOf } : dataSource(v)),
          name: str(v, 'name'),
          ...outFolder(v),
          labelMap: labelMap ? parseLabelMap(labelMap) : undefined,
          maxLength: settingFlag(v, 'max-length', 'maxLength'),
          longText: settingFlag(v, 'long-text', 'evalLongText'),
          ...execution(v),
        },
        ctx,
      ),
    );
    if (!json) {
      const l = r.leakage;
      io.out(
        l.checked
          ? `leakage check: ${l.testInTraining} of ${l.testExamples} test examples were in the job's training data`
          : `leakage check not possible: ${l.reason}`,
      );
      if (r.jobTest) io.out(`the job's own test accuracy ${pct(r.jobTest.accuracy, 2)} (n ${r.jobTest.n})`);
    }
    return printResult(io, json, r);
  },
};
