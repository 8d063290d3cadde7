// How close is the pre-flight estimate (run/probe, `gft probe`) to the run it predicts? Probes, then trains with the
// same model, data and settings in this process, and prints estimated vs measured seconds per step, per epoch and
// in all, with their ratios. Load on the machine changes both; run it on an idle machine for a clean figure.
// Usage: npx tsx bench/probe_estimate.ts [--max-length 64] [--batch-size 16] [--epochs 1] [--long-text head] [--train all]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { estimateTraining, runFinetune } from '../src/host/train';
import type { TrainConfig } from '../src/protocol';

const { values: a } = parseArgs({
  options: {
    'max-length': { type: 'string', default: '64' },
    'batch-size': { type: 'string', default: '16' },
    epochs: { type: 'string', default: '1' },
    'long-text': { type: 'string', default: 'head' },
    train: { type: 'string', default: 'all' },
    data: { type: 'string', default: 'builtin:movie-reviews' },
  },
});
const trainLayers = a.train === 'all' || a.train === 'head' ? a.train : { top: Number(a.train!.replace('top:', '')) };
const config: Partial<TrainConfig> = {
  maxLength: Number(a['max-length']),
  batchSize: Number(a['batch-size']),
  epochs: Number(a.epochs),
  longText: a['long-text'] as TrainConfig['longText'],
  trainLayers,
};
const common = { model: 'starter', data: a.data, config, device: 'cpu' as const };

async function main(): Promise<void> {
  const load0 = loadavg()[0];
  const p = await estimateTraining(common);
  const root = mkdtempSync(join(tmpdir(), 'gft-probe-bench-'));
  const t0 = performance.now();
  const r = await runFinetune({ ...common, runsRoot: root, runId: 'run' });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 'completed') throw new Error(`run ${r.status}: ${r.error}`);
  const steps = readFileSync(join(r.runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; step_ms?: number })
    .filter((m) => m.type === 'step');
  const stepS = steps.reduce((s, m) => s + m.step_ms!, 0) / 1000 / steps.length;
  const perEpoch = (steps.length * stepS) / Number(a.epochs);
  const row = (what: string, est: number, real: number) =>
    console.log(`${what.padEnd(22)} ${est.toFixed(2).padStart(9)} ${real.toFixed(2).padStart(9)} ${(real / est).toFixed(2).padStart(7)}x`);
  console.log(`starter model, ${JSON.stringify(config)}, device ${p.device.split(' ·')[0]}; load average ${load0.toFixed(1)} -> ${loadavg()[0].toFixed(1)}`);
  console.log(`${''.padEnd(22)} ${'estimate'.padStart(9)} ${'measured'.padStart(9)} ${'ratio'.padStart(8)}`);
  row('seconds per step', p.secondsPerStep, stepS);
  row('seconds per epoch', p.secondsPerEpoch, perEpoch);
  row('seconds in all', p.totalSeconds + p.setupSeconds, wall);
  console.log(`steps per epoch: estimate ${p.stepsPerEpoch}, run ${steps.length / Number(a.epochs)}; peak RSS while probing ${p.peakRssMiB.toFixed(0)} MiB`);
  console.log(`probe step times (s): ${p.stepSeconds.map((t) => t.toFixed(2)).join(' ')}`);
  console.log(
    `run's first 12 step times (s): ${steps
      .slice(0, 12)
      .map((m) => (m.step_ms! / 1000).toFixed(2))
      .join(' ')}`,
  );
  console.log('(the run also saves checkpoints and explains misclassified test texts, which the estimate leaves out)');
  rmSync(root, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
