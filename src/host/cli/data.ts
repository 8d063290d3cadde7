// `gft data`: load and split a dataset, print its summary.
import { common, dataOptions, dataSource, DATA_HELP, type Command } from './common';
import { prepareData, summarizeData } from '../jobs';

export const dataCommand: Command = {
  summary: 'load and split a dataset, print its summary',
  usage: `Usage: gft data (--data SPEC | --train FILE [--eval FILE]) [--split V,T] [--split-seed N] [--json]\n\n${DATA_HELP}`,
  options: { ...common, ...dataOptions },
  run: async (v, _p, io) => {
    const s = summarizeData(prepareData(dataSource(v)));
    if (v.json) io.out(JSON.stringify(s));
    else {
      io.out(`${s.id}: labels ${s.labels.join(', ')}; train ${s.sizes.train}, validation ${s.sizes.validation}, test ${s.sizes.test}`);
      for (const [l, c] of Object.entries(s.labelCounts)) io.out(`  ${l}: train ${c.train}, validation ${c.validation}, test ${c.test}`);
      io.out(`dataset hash ${s.hash}\nsplit hash ${s.splitHash}`);
      for (const w of s.warnings) io.out(`warning: ${w}`);
    }
    return 0;
  },
};
