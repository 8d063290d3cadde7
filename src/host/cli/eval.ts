// `gft eval`: evaluate a finished run on data; prints the metrics as JSON.
import { common, str, UsageError, type Command } from './common';
import { parseLabelMap } from '../data';
import { evaluateRun } from '../jobs';

export const evalCommand: Command = {
  summary: 'evaluate a finished run on data; prints the metrics as JSON',
  usage: `Usage: gft eval --run DIR --data PATH [--text-column C] [--label-column C] [--label-map A=B,...] [--predictions] [--json]

Prints the metrics as JSON, with the data's warnings (encoding, duplicates, label map) in "warnings"; without
--json the warnings are also printed on stderr.

  --run DIR              a completed run folder
  --data PATH            JSONL/CSV/folder with text and label (all of it is used), builtin:movie-reviews
                         (its test split, made with the run's split settings), or builtin:rt-polarity (all
                         10,662 movie snippets: an out-of-domain check for a movie-review model)
  --text-column C        the column (or JSONL key) holding the text, when it is not text/review/sentence/...
  --label-column C       the column holding the label, when it is not label/sentiment/class/...
  --label-map A=B,...    maps the file's label values to the run's labels, e.g. positive=pos,negative=neg
  --predictions          include every example's prediction in the JSON
  --json                 print the warnings only in the JSON`,
  options: {
    ...common,
    run: { type: 'string' },
    data: { type: 'string' },
    predictions: { type: 'boolean' },
    'text-column': { type: 'string' },
    'label-column': { type: 'string' },
    'label-map': { type: 'string' },
  },
  run: async (v, _p, io) => {
    const run = str(v, 'run');
    const data = str(v, 'data');
    if (!run || !data) throw new UsageError('both --run DIR and --data PATH are required');
    const labelMap = str(v, 'label-map');
    const mapping = { textColumn: str(v, 'text-column'), labelColumn: str(v, 'label-column'), labelMap: labelMap ? parseLabelMap(labelMap) : undefined };
    const { predictions, ...metrics } = await evaluateRun(run, data, 0, mapping);
    // the JSON carries the data's warnings; without --json they are also said on stderr
    if (!v.json) for (const w of metrics.warnings) io.err(`warning: ${w}`);
    io.out(JSON.stringify(v.predictions ? { ...metrics, predictions } : metrics, null, 2));
    return 0;
  },
};
