// `gft reflect`: write the chapter's reflection (Markdown) from the runs in a folder, every number measured.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { common, str, UsageError, type Command } from './common';
import { buildReflection, writeReflection } from '../reflect';
import { writeFileAtomic } from '../runs';

export const reflectCommand: Command = {
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
  --ood PATH             also evaluate every compared run on this dataset (out-of-domain check), e.g.
                         builtin:rt-polarity (10,662 movie snippets of ~20 words)
  --no-latency           do not time each run's predictor`,
  options: {
    ...common,
    runs: { type: 'string' },
    out: { type: 'string' },
    data: { type: 'string' },
    train: { type: 'string' },
    eval: { type: 'string' },
    'split-hash': { type: 'string' },
    ood: { type: 'string' },
    'no-latency': { type: 'boolean' },
  },
  run: async (v, _p, io) => {
    const runs = resolve(str(v, 'runs') ?? 'runs');
    for (const flag of ['train', 'eval', 'ood']) {
      const path = str(v, flag);
      if (path && !path.startsWith('builtin:') && !existsSync(path)) throw new UsageError(`--${flag} ${path} does not exist; pass an existing file or folder`);
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
};
