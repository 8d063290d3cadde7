// `gft ensemble`: combine completed runs of one split (or cross-validations) by pooling their probabilities with
// weights fit on the validation set; the ensemble is a run folder of its own, compared with each member.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_ENSEMBLE_COMBINE, ENSEMBLE_COMBINE, type Comparison, type RunResult } from '../../protocol';
import { common, num, oneOf, outFolder, runJobWithProgress, str, UsageError, type Command, type Io } from './common';
import { checkCrossValidations, checkEnsemble, compareRuns, CV_FILE, ensembleCrossValidations, type EnsembleMember } from '../jobs';
import { jobHandlers } from '../jobs/registry';
import { RunFolder } from '../runs';
import { pct } from '../../shared/format';
import { RUN_FILES } from '../../shared/runLayout';

const ci = (c: readonly [number, number] | number[]) => `${pct(c[0], 2)} to ${pct(c[1], 2)}`;

function printComparisons(io: Io, rows: { name: string; c: Comparison }[]): void {
  for (const { name, c } of rows)
    io.out(
      `ensemble vs ${name}: ${c.difference >= 0 ? '+' : ''}${pct(c.difference, 2)} (95% CI ${ci(c.differenceCI)}), McNemar exact p = ${c.mcnemarP.toPrecision(3)}; fixed ${c.onlyBCorrect}, broke ${c.onlyACorrect} of ${c.n}`,
    );
}

export const ensembleCommand: Command = {
  summary: 'combine runs of one split by pooling their probabilities with weights fit on validation',
  usage: `Usage: gft ensemble --runs DIR,DIR[,...] [--out DIR] [--name N] [--combine logits|probs] [--data SPEC] [--json]

Combines two or more completed runs made on the same split (e.g. a fine-tune and the TF-IDF baseline): each
member predicts the split's validation texts, the weights are fit there alone (a search over the weights that sum
to 1, in steps of 0.05, for the highest validation log-likelihood), and the ensemble's test probabilities pool the
members' test predictions with those weights. The ensemble is an ordinary run folder: gft compare, eval,
predict and reflect take it. Prints each member's weight and accuracies, the ensemble's test accuracy with its
95% CI, and the paired test (bootstrap CI, McNemar) against each member.
With cross-validation folders (gft cv) as members, ensembles them fold by fold and pools like gft cv.

  --runs DIR,DIR[,...]   the member run folders (or gft cv folders), comma-separated
  --out DIR              the run folder to create (default: runs/<new id>; for cv members: runs/cv-ensemble)
  --name N               the ensemble's name (default: "ensemble · <member> + <member>")
  --combine logits|probs how to pool: logits averages the members' log-probabilities (their log-odds, for two
                         labels) and fits a temperature with the weights, so a member with cautious probabilities
                         (TF-IDF's logistic regression) still counts by its log-odds; probs averages the
                         probabilities, where the surest member dominates (default ${DEFAULT_ENSEMBLE_COMBINE})
  --data SPEC            the members' data, when their run.json does not say (older baseline runs of a file)
  --seed N               seed of the bootstrap CIs (default 42)
  --json                 JSON lines (events and the result) instead of a progress bar`,
  options: {
    ...common,
    runs: { type: 'string' },
    out: { type: 'string' },
    name: { type: 'string' },
    combine: { type: 'string' },
    data: { type: 'string' },
    seed: { type: 'string' },
  },
  run: async (v, _p, io) => {
    const runs = (str(v, 'runs') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (runs.length < 2) throw new UsageError('--runs needs two or more run folders, comma-separated: --runs DIR,DIR');
    for (const d of runs) {
      if (!existsSync(d)) throw new UsageError(`run folder not found: ${d}`);
      if (!existsSync(join(d, RUN_FILES.manifest)) && !existsSync(join(d, CV_FILE)))
        throw new UsageError(`${d} is neither a run folder (no run.json) nor a cross-validation folder (no cv.json); pass folders made by gft`);
    }
    const cv = runs.filter((d) => existsSync(join(d, CV_FILE)));
    if (cv.length && cv.length !== runs.length) throw new UsageError('give either run folders or cross-validation folders (gft cv), not both');
    // The members' checks (same split, completed, same test set...) are bad input: one line, exit code 2.
    try {
      if (cv.length) checkCrossValidations(runs);
      else checkEnsemble({ runs, data: str(v, 'data') });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const seed = num(v, 'seed', { int: true, min: 0 });
    const combine = oneOf(v, 'combine', ENSEMBLE_COMBINE);
    const json = Boolean(v.json);
    if (cv.length) {
      const dir = resolve(str(v, 'out') ?? join('runs', 'cv-ensemble'));
      const r = await runJobWithProgress(io, json, (ctx) =>
        ensembleCrossValidations({ runs, dir, name: str(v, 'name'), data: str(v, 'data'), combine, seed }, ctx),
      );
      const comparisons = r.status === 'completed' ? runs.map((d) => ({ name: d, c: compareRuns(d, r.dir, seed ?? 0) })) : [];
      if (json) io.out(JSON.stringify({ event: 'result', ...r, comparisons: comparisons.map(({ name, c }) => ({ member: name, ...c })) }));
      else if (r.summary) {
        const s = r.summary;
        for (const f of s.perFold) io.out(`fold ${f.fold}: accuracy ${pct(f.accuracy, 2)} (n ${f.n})`);
        io.out(
          `ensemble: mean of ${s.folds} folds ${pct(s.meanAccuracy, 2)} (sd ${pct(s.sdAccuracy, 2)}); pooled ${pct(s.pooled.accuracy, 2)} (95% CI ${ci(s.pooled.accuracyCI)}, n ${s.pooled.n})`,
        );
        printComparisons(io, comparisons);
        io.out(`completed: ${r.dir}`);
      } else io.out(`${r.status}: ${r.dir}${r.error ? `\nerror: ${r.error}` : ''}`);
      return r.status === 'completed' ? 0 : r.status === 'cancelled' ? 130 : 1;
    }
    const params = { runs, ...outFolder(v), name: str(v, 'name'), data: str(v, 'data'), combine, seed };
    const r: RunResult = await runJobWithProgress(io, json, (ctx) => jobHandlers.ensemble(params, ctx));
    const members = r.status === 'completed' ? ((RunFolder.open(r.runDir).manifest.config.members ?? []) as EnsembleMember[]) : [];
    const comparisons = members.map((m) => ({ name: m.name, c: compareRuns(m.dir, r.runDir, seed ?? 0) }));
    if (json) {
      io.out(JSON.stringify({ event: 'result', ...r, members, comparisons: comparisons.map(({ name, c }) => ({ member: name, ...c })) }));
    } else {
      for (const m of members)
        io.out(
          `member ${m.name}: weight ${m.weight.toFixed(2)}, validation accuracy ${pct(m.validation.accuracy, 2)} (log loss ${m.validation.logLoss.toFixed(4)}), test accuracy ${pct(m.test.accuracy, 2)}`,
        );
      const t = r.test;
      if (t) io.out(`ensemble: test accuracy ${pct(t.accuracy, 2)} (95% CI ${ci(t.accuracyCI)}), macro F1 ${t.macroF1.toFixed(4)}, n ${t.n}`);
      printComparisons(io, comparisons);
      io.out(`${r.status}: ${r.runDir}${r.error ? `\nerror: ${r.error}` : ''}`);
    }
    return r.status === 'completed' ? 0 : r.status === 'cancelled' ? 130 : 1;
  },
};
