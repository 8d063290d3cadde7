// `gft predict`: predict labels for texts with a finished run or an exported model.
import { existsSync, readFileSync } from 'node:fs';
import { common, str, UsageError, type Command } from './common';
import { predictTexts } from '../jobs';

export const predictCommand: Command = {
  summary: 'predict labels for texts with a finished run or an exported model',
  usage:
    'Usage: gft predict (--run DIR | --model EXPORT_DIR [--int8]) (--text TEXT ... | --input FILE)\n\n  --run DIR              a finished run folder\n  --model EXPORT_DIR     a folder written by gft export: the ONNX model alone, no run needed\n  --int8                 with --model: use the int8 (quantized) model\n  --text TEXT            a text to classify (repeatable)\n  --input FILE           a JSONL file with a "text" field per line, or a plain text file (one text per line)\nPrints one JSON line per text: {"text", "label", "probs"}.',
  options: {
    ...common,
    run: { type: 'string' },
    model: { type: 'string' },
    int8: { type: 'boolean' },
    text: { type: 'string', multiple: true },
    input: { type: 'string' },
  },
  run: async (v, _p, io) => {
    const runDir = str(v, 'run');
    const model = str(v, 'model');
    if (!!runDir === !!model) throw new UsageError('pass either --run DIR (a run folder) or --model DIR (an export folder)');
    if (v.int8 && !model) throw new UsageError('--int8 needs --model EXPORT_DIR (a folder written by gft export)');
    const run = (runDir ?? model)!;
    if (!existsSync(run)) throw new UsageError(`folder not found: ${run}`);
    let texts = (v.text as string[] | undefined) ?? [];
    const input = str(v, 'input');
    if (input) {
      if (!existsSync(input)) throw new UsageError(`file not found: ${input}`);
      texts = texts.concat(
        readFileSync(input, 'utf8')
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l, i) => {
            if (!input.endsWith('.jsonl')) return l;
            try {
              const t = (JSON.parse(l) as { text?: unknown }).text;
              if (typeof t !== 'string') throw new Error('no text');
              return t;
            } catch {
              throw new UsageError(`${input}:${i + 1} is not a JSON object with a "text" string`);
            }
          }),
      );
    }
    if (texts.length === 0) throw new UsageError('no texts: pass --text TEXT or --input FILE');
    const r = await predictTexts(run, texts, { precision: v.int8 ? 'int8' : 'fp32' });
    r.predictions.forEach((p, i) =>
      io.out(JSON.stringify({ text: texts[i], label: p.label, probs: Object.fromEntries(r.labels.map((l, j) => [l, p.probs[j]])) })),
    );
    return 0;
  },
};
