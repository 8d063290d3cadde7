// `gft export`: export a fine-tuned run (ONNX inference model, weights, tokenizer, labels).
import { common, str, UsageError, type Command } from './common';
import { jobHandlers } from '../jobs/registry';

export const exportCommand: Command = {
  summary: 'export a fine-tuned run (ONNX inference model, weights, tokenizer, labels)',
  usage: 'Usage: gft export --run DIR --out DIR',
  options: { ...common, run: { type: 'string' }, out: { type: 'string' } },
  run: async (v, _p, io) => {
    const run = str(v, 'run');
    const out = str(v, 'out');
    if (!run || !out) throw new UsageError('both --run DIR and --out DIR are required');
    const r = await jobHandlers.export({ runDir: run, out });
    io.out(v.json ? JSON.stringify(r) : [...r.files, ...(r.check ? [r.check] : [])].join('\n'));
    return 0;
  },
};
