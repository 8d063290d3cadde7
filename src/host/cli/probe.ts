// `gft probe`: estimate a fine-tuning run before starting it: time per epoch, total time, memory (a few real steps).
import { common, dataOptions, dataSource, DATA_HELP, num, str, UsageError, withCancel, type Command } from './common';
import { execution, trainConfig, trainOptions, TRAIN_OPTIONS_HELP } from './settings';
import { jobHandlers } from '../jobs/registry';
import { secondsDuration } from '../../shared/format';

export const probeCommand: Command = {
  summary: 'estimate a fine-tuning run before starting it: time per epoch, total time, memory (a few real steps)',
  usage: `Usage: gft probe --model ID (--data SPEC | --train FILE [--eval FILE]) [training options] [--steps N] [--json]

Builds the training program \`gft train\` would build with the same options, runs one warm-up and up to N measured
optimizer steps on real training batches on this device, times one evaluation batch, and prints the time per
step and per epoch, the total with evaluation, peak memory and the number of trained parameters. Writes nothing.
  --model ID             'starter', a local model folder, or a hub id in the model cache
  --steps N              most steps measured after the warm-up (default 8; it stops after 20 s once 2 are measured)
${DATA_HELP}
${TRAIN_OPTIONS_HELP}
  --json                 the estimate as one JSON object`,
  options: { ...common, ...dataOptions, ...trainOptions, model: { type: 'string' }, steps: { type: 'string' } },
  run: async (v, _p, io) => {
    const model = str(v, 'model');
    if (!model) throw new UsageError('--model is required (e.g. --model starter)');
    const params = { ...dataSource(v), model, config: trainConfig(v), steps: num(v, 'steps', { int: true, min: 1, max: 50 }), ...execution(v) };
    const json = Boolean(v.json);
    const r = await withCancel((signal) => jobHandlers.probe(params, { signal, log: (l) => (json || !io.isTTY ? undefined : io.err(l.message)) }));
    if (json) {
      io.out(JSON.stringify(r));
      return 0;
    }
    io.out(`device: ${r.device}`);
    io.out(
      `${secondsDuration(r.secondsPerStep)} per step (${r.rowsPerStep} rows; mean of the last ${Math.ceil(r.measuredSteps / 2)} of ${r.measuredSteps} measured steps) x ${r.stepsPerEpoch} steps = ${secondsDuration(r.secondsPerEpoch)} per epoch`,
    );
    io.out(
      `total for ${r.epochs} epoch${r.epochs === 1 ? '' : 's'} with ${r.evalPasses} evaluation pass${r.evalPasses === 1 ? '' : 'es'} (${secondsDuration(r.evalSeconds)}): about ${secondsDuration(r.totalSeconds)}, plus ${secondsDuration(r.setupSeconds)} to load and prepare`,
    );
    io.out(
      `memory: peak ${Math.round(r.peakRssMiB)} MiB; trains ${r.trainableParams.toLocaleString('en-US')} of ${r.totalParams.toLocaleString('en-US')} parameters`,
    );
    for (const n of r.notes) io.out(`note: ${n}`);
    for (const w of r.warnings ?? []) io.out(`warning: ${w}`);
    return 0;
  },
};
