#!/usr/bin/env node
// Does `gft probe` predict the time per epoch of the run it estimates? On one data file: `gft probe --json`, then
// `gft train` with the same settings, stopped (SIGTERM: it saves and stops) once it has logged --steps optimizer
// steps; the run's seconds per epoch are the mean interval between its logged steps (after the first --skip, which
// include start-up) times the probe's steps per epoch. The probe runs first, so both read the token cache the
// probe filled. Prints one JSON line: both figures and their ratio (run / probe; 1.0 = exact).
//   node bench/probe-check.mjs FILE.csv [--steps 40] [--skip 4] [--model starter] [--dir /tmp/gft-probe-check]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const gft = join(root, 'bin', 'gft.js');
const [file, ...rest] = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? rest[i + 1] : dflt;
};
const steps = Number(opt('steps', '40'));
const skip = Number(opt('skip', '4'));
const model = opt('model', 'starter');
const dir = opt('dir', '/tmp/gft-probe-check');
if (!file || !existsSync(file)) {
  console.error('usage: node bench/probe-check.mjs FILE.csv [--steps 40] [--skip 4] [--model starter]');
  process.exit(2);
}

// A token cache of its own: the run reads what the probe tokenized (a shared cache may be pruned meanwhile).
const env = { ...process.env, GFT_TOKEN_CACHE: process.env.GFT_TOKEN_CACHE ?? `${dir}-tokens` };
const t0 = performance.now();
const p = spawnSync('node', [gft, 'probe', '--model', model, '--data', file, '--json'], { encoding: 'utf8', maxBuffer: 1 << 26, env });
if (p.status !== 0) throw new Error(`gft probe failed: ${p.stderr.trim().split('\n').pop()}`);
const probe = JSON.parse(p.stdout.trim().split('\n').pop());
const probeWall = (performance.now() - t0) / 1000;
const loadProbe = loadavg()[0];

rmSync(dir, { recursive: true, force: true });
const metrics = join(dir, 'metrics.jsonl');
const stepLines = () => {
  if (!existsSync(metrics)) return [];
  return readFileSync(metrics, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"type":"step"'))
    .map((l) => JSON.parse(l));
};
const child = spawn('node', [gft, 'train', '--model', model, '--data', file, '--out', dir], { stdio: ['ignore', 'ignore', 'pipe'], env });
let stderr = '';
child.stderr.on('data', (d) => (stderr += d));
const done = new Promise((resolve) => child.on('exit', resolve));
let exited = false;
done.then(() => (exited = true));
for (;;) {
  await new Promise((r) => setTimeout(r, 1000));
  if (stepLines().length >= steps) break;
  if (exited) throw new Error(`gft train stopped early: ${stderr.trim().split('\n').pop()}`);
}
child.kill('SIGTERM');
await done;
const loadRun = loadavg()[0];
const s = stepLines().slice(skip, steps);
const times = s.map((r) => Date.parse(r.time) / 1000);
const secondsPerStep = (times[times.length - 1] - times[0]) / (times.length - 1);
const stepMs = s.slice(1).reduce((a, r) => a + r.step_ms, 0) / (s.length - 1);
const runEpoch = secondsPerStep * probe.stepsPerEpoch;
console.log(
  JSON.stringify({
    file,
    trainTexts: probe.trainTexts,
    stepsPerEpoch: probe.stepsPerEpoch,
    probe: {
      secondsPerStep: probe.secondsPerStep,
      secondsPerEpoch: probe.secondsPerEpoch,
      setupSeconds: probe.setupSeconds,
      wallSeconds: probeWall,
      load1: loadProbe,
    },
    run: { measuredSteps: s.length, secondsPerStep, trainerStepSeconds: stepMs / 1000, secondsPerEpoch: runEpoch, load1: loadRun },
    ratio: runEpoch / probe.secondsPerEpoch,
  }),
);
