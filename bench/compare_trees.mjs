#!/usr/bin/env node
// A/B of the engine's training step between two checkouts of this repository (e.g. before and after a
// performance change), with PyTorch as the common peer, in one run: rounds interleave before / after / torch
// (order rotated per round) so that other load on a shared machine hits all three alike. Prints per-round
// seconds and CPU seconds per step and the median ratios. Each side runs its own bench/engine_step.ts.
// Usage: node bench/compare_trees.mjs --before /path/to/old/checkout [--layers 6] [--arch distilbert]
//                                      [--steps 2] [--warmup 1] [--rounds 2]
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(`--${k}`) ? args[args.indexOf(`--${k}`) + 1] : d);
const before = opt('before', '');
if (!before) {
  console.error('compare_trees: pass --before <path of the other checkout> (it needs node_modules, e.g. a symlink)');
  process.exit(1);
}
const common = [
  '--arch',
  opt('arch', 'distilbert'),
  '--layers',
  opt('layers', '6'),
  '--batch',
  opt('batch', '8'),
  '--seq',
  opt('seq', '256'),
  '--steps',
  opt('steps', '2'),
  '--warmup',
  opt('warmup', '1'),
  '--threads',
  opt('threads', '2'),
];
const rounds = Number(opt('rounds', '2'));

function run(cmd, argv, cwd, env = {}) {
  const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  const line = (r.stdout ?? '')
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) throw new Error(`${cmd} in ${cwd} failed (exit ${r.status}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(line);
}
const sides = {
  before: () => run(process.execPath, ['--import', 'tsx', 'bench/engine_step.ts', ...common], before),
  after: () => run(process.execPath, ['--import', 'tsx', 'bench/engine_step.ts', ...common], root),
  torch: () => run('/usr/bin/python3', ['bench/torch_step.py', ...common], root, { OMP_WAIT_POLICY: 'PASSIVE', OPENBLAS_NUM_THREADS: opt('threads', '2') }),
};
const res = { before: [], after: [], torch: [] };
const order = Object.keys(sides);
for (let r = 0; r < rounds; r++) {
  const rot = [...order.slice(r % 3), ...order.slice(0, r % 3)];
  for (const k of rot) {
    const x = sides[k]();
    res[k].push(x);
    console.log(
      `round ${r} ${k.padEnd(6)} ${x.secondsPerStep.toFixed(2)} s/step (${x.stepTimes.map((s) => s.toFixed(2)).join('/')}), CPU ${x.cpuSecondsPerStep.toFixed(2)} s, losses ${x.losses.map((l) => l.toFixed(4)).join(' ')}, load ${loadavg()[0].toFixed(1)}`,
    );
  }
}
const med = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const m = (k, f) => med(res[k].map((x) => x[f]));
console.log(
  `median s/step: before ${m('before', 'secondsPerStep').toFixed(2)}, after ${m('after', 'secondsPerStep').toFixed(2)}, torch ${m('torch', 'secondsPerStep').toFixed(2)}`,
);
console.log(
  `speed vs torch (torch s / engine s): before ${(m('torch', 'secondsPerStep') / m('before', 'secondsPerStep')).toFixed(2)}x, after ${(m('torch', 'secondsPerStep') / m('after', 'secondsPerStep')).toFixed(2)}x`,
);
console.log(
  `CPU s/step: before ${m('before', 'cpuSecondsPerStep').toFixed(2)}, after ${m('after', 'cpuSecondsPerStep').toFixed(2)}, torch ${m('torch', 'cpuSecondsPerStep').toFixed(2)}`,
);
console.log(
  `load average at the end: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
