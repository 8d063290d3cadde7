// `gft demo`: the whole story offline: movie reviews, baselines, fine-tuning the starter model, a report.
import { resolve } from 'node:path';
import { common, runJobWithProgress, str, type Command } from './common';
import { EXECUTION_HELP, execution } from './settings';
import { runDemo } from '../report/demo';

export const demoCommand: Command = {
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
    const r = await runJobWithProgress(io, json, (ctx) =>
      runDemo({ out: resolve(str(v, 'out') ?? 'gft-demo'), quick: Boolean(v.quick), ...execution(v) }, ctx, (l) => (json ? undefined : io.err(l))),
    );
    if (json) io.out(JSON.stringify({ event: 'result', ...r }));
    else io.out(`report: ${r.reportMarkdown}\n${r.summary}`);
    return 0;
  },
};
