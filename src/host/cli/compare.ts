// `gft compare`: compare two runs on the same test set (paired bootstrap CI, McNemar exact test).
import { common, UsageError, type Command } from './common';
import { compareRuns } from '../jobs';
import { pct } from '../../shared/format';

export const compareCommand: Command = {
  summary: 'compare two runs on the same test set (paired bootstrap CI, McNemar exact test)',
  usage:
    "Usage: gft compare RUN_A RUN_B [--json]\n\nCompares the test predictions of two completed runs: accuracy difference B - A with a paired\nbootstrap 95% CI, McNemar's exact p-value, and the examples B fixed and broke. A cross-validation folder\n(gft cv) stands for its pooled predictions.",
  options: common,
  run: async (v, p, io) => {
    if (p.length !== 2) throw new UsageError('give exactly two run folders: gft compare RUN_A RUN_B');
    const c = compareRuns(p[0], p[1]);
    if (v.json) io.out(JSON.stringify(c));
    else {
      io.out(
        `A ${pct(c.accuracyA, 2)}  B ${pct(c.accuracyB, 2)}  B - A ${pct(c.difference, 2)} (95% CI ${pct(c.differenceCI[0], 2)} to ${pct(c.differenceCI[1], 2)})`,
      );
      io.out(`McNemar exact p = ${c.mcnemarP.toPrecision(3)}; B fixed ${c.onlyBCorrect}, broke ${c.onlyACorrect} of ${c.n}`);
    }
    return 0;
  },
};
