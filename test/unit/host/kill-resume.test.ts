// A fine-tuning run killed with SIGKILL mid-training (no chance to save or clean up) leaves a readable run folder,
// and `gft train --resume` continues from its last checkpoint to exactly the metrics and predictions of an
// uninterrupted run with the same seed: with the default first-window reading, and with 'sentence-mean' (each step
// samples 8 sentences of every text, seeded by epoch and step). Runs the built CLI (bin/gft.js) as a real process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRun } from '../../../src/host/runs';
import { readJsonl } from '../../../src/shared/node/runFiles';
import { tempDir } from '../tempDir';

const ARGS = [
  'train',
  '--model',
  'starter',
  '--train',
  'test/fixtures/host/tiny-train.jsonl',
  '--eval',
  'test/fixtures/host/tiny-eval.jsonl',
  '--epochs',
  '2',
  '--batch-size',
  '8',
  '--lr',
  '2e-4',
  '--eval-every',
  '4',
  '--seed',
  '7',
  '--warmup-steps',
  '2',
  '--json',
];

function gft(args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/gft.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stderr: r.stderr };
}

/** Starts a run and SIGKILLs it once the step after `killAfter` has been reported. */
function killMidRun(args: string[], out: string, killAfter: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/gft.js', ...args, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const e = JSON.parse(line) as { event: string; record?: { type: string; step: number } };
        if (!killed && e.event === 'metric' && e.record?.type === 'step' && e.record.step > killAfter) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`the run ended (${String(_code)}) before it was killed`))));
  });
}

async function killAndResume(args: string[], root: string): Promise<void> {
  assert.ok(existsSync('dist/cli.js'), 'run `npm run build` first');
  const full = join(root, 'full');
  const killed = join(root, 'killed');

  const a = gft([...args, '--out', full]);
  assert.equal(a.status, 0, a.stderr);

  await killMidRun(args, killed, 9); // the last checkpoint is at step 8 (--eval-every 4)
  const mid = readRun(killed);
  assert.equal(mid.manifest.status, 'running', 'a killed run cannot mark itself');
  const lastStep = Math.max(...mid.metrics.filter((m) => m.type === 'step').map((m) => m.step));
  assert.ok(lastStep > 8 && lastStep < 16, `killed mid-run (last step ${lastStep})`);
  assert.ok(existsSync(join(killed, 'checkpoints', 'last', 'loop-state.json')));

  const b = gft(['train', '--resume', killed, '--json']);
  assert.equal(b.status, 0, b.stderr);

  const u = readRun(full);
  const r = readRun(killed);
  assert.equal(r.manifest.status, 'completed');
  const steps = (d: typeof u) => d.metrics.filter((m) => m.type === 'step').map((m) => m.type === 'step' && [m.step, m.loss, m.lr]);
  assert.deepEqual(steps(r), steps(u), 'the resumed run has each step once, with the same losses and learning rates');
  assert.deepEqual(r.manifest.test, u.manifest.test);
  assert.deepEqual(
    r.predictions.map((p) => [p.id, p.pred, p.probs]),
    u.predictions.map((p) => [p.id, p.pred, p.probs]),
  );
}

test('kill -9 mid-training, then --resume: identical final metrics and predictions', async (t) => {
  await killAndResume(ARGS, tempDir(t, 'gft-kill-'));
});

/** The tiny fixture's texts as reviews of 12 sentences each (sentences of texts with the same label). */
function multiSentence(src: string, dest: string): string {
  const rows = readJsonl<{ id: string; text: string; label: string }>(src);
  const lines = rows.map((r, i) => {
    const same = rows.filter((x) => x.label === r.label).map((x) => x.text);
    const text = Array.from({ length: 12 }, (_, j) => same[(i + j) % same.length]).join('. ') + '.';
    return JSON.stringify({ id: r.id, text, label: r.label });
  });
  writeFileSync(dest, lines.join('\n') + '\n');
  return dest;
}

test("kill -9 mid-training, then --resume, reading 'sentence-mean' (8 of 12 sentences sampled a step): identical", async (t) => {
  const root = tempDir(t, 'gft-kill-sm-');
  const train = multiSentence('test/fixtures/host/tiny-train.jsonl', join(root, 'train.jsonl'));
  const evalSet = multiSentence('test/fixtures/host/tiny-eval.jsonl', join(root, 'eval.jsonl'));
  const args = ARGS.map((a, i) => (ARGS[i - 1] === '--train' ? train : ARGS[i - 1] === '--eval' ? evalSet : a));
  await killAndResume([...args, '--long-text', 'sentence-mean', '--max-length', '16'], root);
});
