// A search killed with SIGKILL during its second trial (no chance to save or clean up) continues when the same
// command runs again: the finished trial is kept as it was, the interrupted one resumes from its last checkpoint
// (each step once), and the search ends with its final run tested once. Runs the built CLI (dist/cli.js via
// bin/gft.js) as a real process, with the real probe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRun } from '../../../src/host/runs';
import type { SearchRecord } from '../../../src/protocol';
import { tempDir } from '../tempDir';

const args = (out: string) => [
  'search',
  '--model',
  'starter',
  '--data',
  'test/fixtures/host/tiny-train.jsonl',
  '--split',
  '0.25,0.25',
  '--budget-minutes',
  '60',
  '--max-trials',
  '2',
  '--epochs',
  '2',
  '--eval-every',
  '2',
  '--batch-size',
  '8',
  '--threads',
  '1',
  '--out',
  out,
  '--json',
];

/** Starts the search and SIGKILLs it once trial-02 reports step 3 (its last checkpoint is at step 2). */
function killDuringTrial2(out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/gft.js', ...args(out)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const e = JSON.parse(buf.slice(0, nl)) as { event: string; runId?: string; record?: { type: string; step: number } };
        buf = buf.slice(nl + 1);
        if (!killed && e.event === 'metric' && e.runId === 'trial-02' && e.record?.type === 'step' && e.record.step === 3) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`the search ended (${String(code)}) before it was killed`))));
  });
}

test('kill -9 during a trial, then the same command: finished trials kept, the interrupted one resumed', async (t) => {
  assert.ok(existsSync('dist/cli.js'), 'run `npm run build` first');
  const dir = join(tempDir(t, 'gft-search-kill-'), 's');
  await killDuringTrial2(dir);
  const mid = JSON.parse(readFileSync(join(dir, 'search.json'), 'utf8')) as SearchRecord;
  assert.equal(mid.status, 'running', 'a killed search cannot mark itself');
  assert.equal(mid.plan!.trials, 2);
  assert.equal(mid.trials[0].rungs[0].status, 'completed');
  assert.ok(existsSync(join(dir, 'trial-02', 'checkpoints', 'last', 'loop-state.json')));
  const t1 = readFileSync(join(dir, 'trial-01', 'metrics.jsonl'), 'utf8');

  const again = spawnSync(process.execPath, ['bin/gft.js', ...args(dir)], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(again.status, 0, again.stderr);
  const rec = JSON.parse(readFileSync(join(dir, 'search.json'), 'utf8')) as SearchRecord;
  assert.equal(rec.status, 'completed');
  assert.deepEqual(rec.trials[0].rungs[0], mid.trials[0].rungs[0], "trial-01's first rung was not run again");
  assert.ok(readFileSync(join(dir, 'trial-01', 'metrics.jsonl'), 'utf8').startsWith(t1), "trial-01's lines are kept as they were");
  for (const id of ['trial-01', 'trial-02']) {
    const steps = readRun(join(dir, id))
      .metrics.filter((m) => m.type === 'step')
      .map((m) => m.step);
    assert.deepEqual(
      steps,
      steps.map((_, i) => i + 1),
      `${id}: each step once`,
    );
  }
  assert.match(readFileSync(join(dir, 'trial-02', 'log.txt'), 'utf8'), /resuming at step 2 /, 'trial-02 continued from its checkpoint');
  const fin = readRun(join(dir, 'final'));
  assert.equal(fin.metrics.filter((m) => m.type === 'eval' && m.split === 'test').length, 1);
  assert.ok(!existsSync(join(dir, 'trial-02', 'predictions.jsonl')));
});
