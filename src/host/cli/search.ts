// `gft search`: a seeded hyperparameter search by successive halving within a time budget (src/host/jobs/search.ts).
import { resolve } from 'node:path';
import { common, dataSource, num, runJobWithProgress, str, UsageError, type Command } from './common';
import { execution, trainConfig, trainOptions, TRAIN_OPTIONS_HELP } from './settings';
import { DEFAULT_MAX_TRIALS, runSearch } from '../jobs';
import { trialTable, type SearchParams, type SearchResult } from '../../protocol';
import { lrRanges, SEARCH_SPACE, SEARCHED_KEYS } from '../../shared/searchSpace';
import { numberText, SETTINGS } from '../../shared/settings';
import { pct, secondsDuration } from '../../shared/format';

const range = (r: readonly number[]) => r.map(numberText).join('-');
const searchedFlags = SEARCHED_KEYS.map((k) => `--${SETTINGS[k].cli.flag}`).join(', ');

export const searchCommand: Command = {
  summary: 'search hyperparameters within a time budget (successive halving, judged on validation), then test the best once',
  usage: `Usage: gft search --model ID --data SPEC --budget-minutes N [--out DIR] [options]

Samples configurations (seeded) of the settings below and trains them by successive halving: every trial 1 epoch,
the best third continue from their own checkpoint to 3 epochs, the best third of those to 9 ... up to --epochs
(default 3: rungs of 1 and 3 epochs). Trials are judged on the validation set only (by --best-metric) and never
read the test set. A searched setting given as a flag is fixed instead; every other flag is as in gft train.
Searched: ${searchedFlags}.
Budget: it covers the probes and the trials. The time of one epoch of each distinct shape of run is probed first;
the plan takes samples while their estimate fits (a sample too slow for what is left is skipped, three in a row
end the plan); no trial starts that would end after the budget. After the budget, the best configuration (its
epochs: those of its best rung) is trained once more from the start on the training split and tested once.
Writes DIR/search.json, DIR/trial-01 ... (run folders) and DIR/final. Run the same command again to continue a
search (finished trials are kept, an interrupted one resumes from its checkpoint); Ctrl-C keeps finished trials.

  --model ID             the model to fine-tune (default starter)
  --data SPEC            builtin:movie-reviews, a folder or a .csv/.tsv/.jsonl file (split train/validation/test)
  --split V,T            validation and test fractions (default 0.1,0.2)   --split-seed N  seed of the split
  --budget-minutes N     minutes for the probes and the trials (the final run comes after)
  --search-seed N        seed of the sampled configurations (default 0)
  --max-trials N         most trials in the first rung (default ${DEFAULT_MAX_TRIALS})
  --out DIR              the search folder (default: runs/search)
${TRAIN_OPTIONS_HELP}
  --json                 JSON lines (events and the result) instead of a progress bar

Search space (limits and choices from the settings schema): lr log-uniform in ${lrRanges()};
weight decay ${SEARCH_SPACE.weightDecay.values.join(', ')}; layer-wise lr decay ${SEARCH_SPACE.layerLrDecay.values.join(', ')};
warm-up ${range(SEARCH_SPACE.warmupSteps.range)} of an epoch; max length powers of two from ${SEARCH_SPACE.maxLength.from} to --max-length; the long-text
strategy and what to train from the schema's choices the model supports.`,
  options: {
    ...common,
    ...trainOptions,
    data: { type: 'string' },
    split: { type: 'string' },
    'split-seed': { type: 'string' },
    model: { type: 'string' },
    out: { type: 'string' },
    'budget-minutes': { type: 'string' },
    'search-seed': { type: 'string' },
    'max-trials': { type: 'string' },
  },
  run: async (v, _p, io) => {
    if (!str(v, 'data'))
      throw new UsageError('--data is required (e.g. --data builtin:movie-reviews): a search splits one dataset into train, validation and test');
    const budgetMinutes = num(v, 'budget-minutes', { min: 0.1, max: 100000 });
    if (budgetMinutes === undefined) throw new UsageError('--budget-minutes is required (e.g. --budget-minutes 10): the time the trials may take');
    const params: SearchParams = {
      ...dataSource(v),
      model: str(v, 'model') ?? 'starter',
      dir: resolve(str(v, 'out') ?? 'runs/search'),
      budgetMinutes,
      seed: num(v, 'search-seed', { int: true, min: 0 }),
      maxTrials: num(v, 'max-trials', { int: true, min: 1, max: 1000 }),
      config: trainConfig(v),
      ...execution(v),
    };
    const json = Boolean(v.json);
    // the search's own lines (plan, rung, trial, best) are shown even while a trial's bar is drawn
    const r: SearchResult = await runJobWithProgress(io, json, (ctx) =>
      runSearch(params, { ...ctx, log: (l) => (!json && l.message.startsWith('search: ') ? io.err(l.message) : ctx.log?.(l)) }),
    );
    if (json) io.out(JSON.stringify({ event: 'result', ...r }));
    else {
      const rec = r.record;
      if (rec.trials.length) for (const line of trialTable(rec)) io.out(line);
      io.out(
        `spent ${secondsDuration(rec.spentSeconds)} of the ${secondsDuration(rec.budget.seconds)} budget on ${rec.trials.length} trials${rec.stopReason ? ` (${rec.stopReason})` : ''}`,
      );
      const t = rec.final?.test;
      if (rec.best)
        io.out(`best: ${rec.best.runId}, validation ${rec.metric} ${rec.best.value.toFixed(4)} at ${rec.best.epochs} epoch${rec.best.epochs === 1 ? '' : 's'}`);
      if (t)
        io.out(
          `final run (${rec.final!.runId}, trained again, tested once): test accuracy ${pct(t.accuracy, 2)} (95% CI ${pct(t.accuracyCI[0], 1)}-${pct(t.accuracyCI[1], 1)}, n ${t.n}), macro F1 ${t.macroF1.toFixed(4)}`,
        );
      if (r.status === 'cancelled') io.out(`cancelled: finished trials are kept; run the same command again to continue (${r.dir})`);
      else io.out(`${r.status}: ${r.dir}${r.error ? `\nerror: ${r.error}` : ''}`);
    }
    return r.status === 'completed' ? 0 : r.status === 'cancelled' ? 130 : 1;
  },
};
