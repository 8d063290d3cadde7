// `gft cv`: cross-validate a baseline or a fine-tune: one run per fold, every example tested once, pooled metrics.
import { join, resolve } from 'node:path';
import { common, num, oneOf, runJobWithProgress, str, UsageError, type Command } from './common';
import { execution, trainConfig, trainOptions, TRAIN_OPTIONS_HELP } from './settings';
import { crossValidate, type CrossValidateParams, type CvResult } from '../jobs';
import { pct } from '../../shared/format';

export const cvCommand: Command = {
  summary: 'cross-validate a baseline or a fine-tune: one run per fold, every example tested once, pooled metrics',
  usage: `Usage: gft cv --kind tfidf|nbsvm|embeddings|finetune --data SPEC [--folds K] [--out DIR] [options]

Runs the job once per fold (DIR/fold-01, ...: ordinary run folders whose test set is that fold; validation is 10%
of the data from the other folds), then pools every fold's test predictions: each example is tested exactly once.
Prints each fold's accuracy, their mean and standard deviation, and the pooled accuracy with its 95% CI; writes
DIR/cv.json and DIR/predictions.jsonl. \`gft compare DIR_A DIR_B\` pairs two cross-validations on every example.
Run the same command again to continue an interrupted one (completed folds are kept).

  --kind K               tfidf, nbsvm (NB log-count-ratio weighted binary uni+bigrams (Wang & Manning 2012) + L2
                         logistic regression; two labels), embeddings (frozen --model embeddings) or finetune
                         (--model, training options)
  --data SPEC            builtin:movie-reviews (Pang & Lee's 10 folds), a folder or a .csv/.tsv/.jsonl file
  --folds K              K seeded stratified folds (default: the dataset's own folds)
  --split-seed N         seed of the folds and of each fold's validation set (default 42)
  --out DIR              the cross-validation folder (default: runs/cv-<kind>)
  --model ID             the model to fine-tune, or whose embeddings to use (default starter)
  --C X  --seed N        baseline options, as gft baseline
${TRAIN_OPTIONS_HELP}
  --json                 JSON lines (events and the summary) instead of a progress bar`,
  options: {
    ...common,
    ...trainOptions,
    data: { type: 'string' },
    folds: { type: 'string' },
    'split-seed': { type: 'string' },
    kind: { type: 'string' },
    model: { type: 'string' },
    out: { type: 'string' },
    C: { type: 'string' },
  },
  run: async (v, _p, io) => {
    const kind = oneOf(v, 'kind', ['tfidf', 'nbsvm', 'embeddings', 'finetune'] as const);
    if (!kind) throw new UsageError('--kind is required: tfidf, nbsvm, embeddings or finetune');
    const data = str(v, 'data');
    if (!data) throw new UsageError('--data is required (e.g. --data builtin:movie-reviews): cross-validation splits one dataset');
    const params: CrossValidateParams = {
      kind,
      data,
      dir: resolve(str(v, 'out') ?? join('runs', `cv-${kind}`)),
      folds: num(v, 'folds', { int: true, min: 2 }),
      splitSeed: num(v, 'split-seed', { int: true, min: 0 }),
      model: str(v, 'model'),
      C: num(v, 'C', { min: 1e-9 }),
      seed: num(v, 'seed', { int: true, min: 0 }),
      ...(kind === 'finetune' ? { config: trainConfig(v), ...execution(v) } : {}),
    };
    const json = Boolean(v.json);
    const r: CvResult = await runJobWithProgress(io, json, (ctx) => crossValidate(params, ctx));
    if (json) io.out(JSON.stringify({ event: 'result', ...r }));
    else if (r.summary) {
      const s = r.summary;
      for (const f of s.perFold) io.out(`fold ${f.fold}: accuracy ${pct(f.accuracy, 2)} (n ${f.n})`);
      io.out(
        `mean of ${s.folds} folds ${pct(s.meanAccuracy, 2)} (sd ${pct(s.sdAccuracy, 2)}); pooled ${pct(s.pooled.accuracy, 2)} (95% CI ${pct(s.pooled.accuracyCI[0], 2)}-${pct(s.pooled.accuracyCI[1], 2)}, n ${s.pooled.n}), macro F1 ${s.pooled.macroF1.toFixed(4)}`,
      );
      io.out(`completed: ${r.dir}`);
    } else io.out(`${r.status}: ${r.dir}${r.error ? `\nerror: ${r.error}` : ''}`);
    return r.status === 'completed' ? 0 : r.status === 'cancelled' ? 130 : 1;
  },
};
