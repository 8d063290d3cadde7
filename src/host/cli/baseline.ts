// `gft baseline`: train a baseline: TF-IDF or NB-weighted n-grams + logistic regression, or frozen embeddings + logistic regression.
import type { BaselineKind } from '../../protocol';
import { common, dataOptions, dataSource, DATA_HELP, num, oneOf, outFolder, printResult, runJobWithProgress, str, UsageError, type Command } from './common';
import { jobHandlers } from '../jobs/registry';

export const baselineCommand: Command = {
  summary: 'train a baseline: TF-IDF or NB-weighted n-grams + logistic regression, or frozen embeddings + logistic regression',
  usage: `Usage: gft baseline --kind tfidf|nbsvm|embeddings (--data SPEC | --train FILE [--eval FILE]) [--out DIR] [options]

  --kind tfidf           TF-IDF of word uni+bigrams (sublinear tf, min_df 2) + L2 logistic regression
  --kind nbsvm           NB log-count-ratio weighted binary uni+bigrams (Wang & Manning 2012) + L2 logistic regression
  --kind embeddings      mean-pooled frozen embeddings of --model (default starter) + L2 logistic regression
  --C X                  inverse L2 strength as in scikit-learn (default: chosen on validation from 1, 10, 100)
  --seed N               seed for the bootstrap CIs (default 42)
  --out DIR              the run folder to create (default: runs/<new id>)
${DATA_HELP}
  --json                 JSON lines instead of a progress bar`,
  options: {
    ...common,
    ...dataOptions,
    kind: { type: 'string' },
    C: { type: 'string' },
    seed: { type: 'string' },
    model: { type: 'string' },
    out: { type: 'string' },
  },
  run: async (v, _p, io) => {
    const kind = oneOf(v, 'kind', ['tfidf', 'nbsvm', 'embeddings'] as const satisfies readonly BaselineKind[]);
    if (!kind) throw new UsageError('--kind is required: tfidf, nbsvm or embeddings');
    const params = {
      kind,
      ...dataSource(v),
      ...outFolder(v),
      C: num(v, 'C', { min: 1e-9 }),
      seed: num(v, 'seed', { int: true, min: 0 }),
      model: str(v, 'model'),
    };
    const json = Boolean(v.json);
    const r = await runJobWithProgress(io, json, (ctx) => jobHandlers.baseline(params, ctx));
    return printResult(io, json, r);
  },
};
