// Run folders: manifest lifecycle, atomic JSON, JSONL appends that survive a kill -9, torn-line tolerance,
// checkpoint swap and keep-N, listing, and marking orphaned runs failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { LineAppender, listRuns, markOrphanedRuns, readJsonl, readRun, RunFolder, writeJsonAtomic } from '../../../src/host/runs';
import type { RunManifest } from '../../../src/protocol';
import { renameRun } from '../../../src/ui/viewmodel/runFiles';
import { failureMessage, runJob } from '../../../src/host/core';

const tmp = () => mkdtempSync(join(tmpdir(), 'gft-runs-'));
const base = { kind: 'finetune' as const, config: { lr: 1e-4 }, seed: 1, packages: { node: process.version }, device: 'cpu' };

test('create, write metrics/predictions/log, finish; read back', () => {
  const root = tmp();
  const run = RunFolder.create(root, base);
  assert.match(run.id, /^\d{8}-\d{6}-finetune-[0-9a-f]{6}$/);
  const m0 = JSON.parse(readFileSync(join(run.dir, 'run.json'), 'utf8')) as RunManifest;
  assert.equal(m0.status, 'running');
  assert.equal(m0.hostPid, process.pid);
  const seen: number[] = [];
  run.onMetric((r) => seen.push(r.step));
  for (let s = 1; s <= 3; s++) run.metric({ type: 'step', step: s, epoch: 0, loss: 1 / s, lr: 1e-4, step_ms: 5, time: 't' });
  run.log('hello');
  run.writePredictions([{ id: 'a', label: 1, pred: 0, probs: [0.6, 0.4] }]);
  run.finish('completed', { best: { step: 3, epoch: 0, metric: 'accuracy', value: 0.5 } });
  assert.deepEqual(seen, [1, 2, 3]);
  const d = readRun(run.dir);
  assert.equal(d.manifest.status, 'completed');
  assert.ok(d.manifest.durationMs! >= 0 && d.manifest.endedAt);
  assert.deepEqual(
    d.metrics.map((r) => r.step),
    [1, 2, 3],
  );
  assert.deepEqual(d.predictions, [{ id: 'a', label: 1, pred: 0, probs: [0.6, 0.4] }]);
  assert.match(readFileSync(join(run.dir, 'log.txt'), 'utf8'), /Z hello\n$/);
  assert.equal(d.manifest.best!.step, 3);
});

test('failed run records the error and the log tail', () => {
  const run = RunFolder.create(tmp(), base);
  for (let i = 0; i < 50; i++) run.log(`line ${i}`);
  run.fail(new Error('out of memory'));
  const m = RunFolder.open(run.dir).manifest;
  assert.equal(m.status, 'failed');
  assert.equal(m.error, 'out of memory');
  assert.equal(m.logTail!.length, 40);
  assert.match(m.logTail![39], /error: out of memory$/);
  assert.match(m.logTail![0], /line 11$/);
});

test('JSONL reader drops a torn last line but rejects damage in the middle', () => {
  const dir = tmp();
  const p = join(dir, 'm.jsonl');
  writeFileSync(p, '{"a":1}\n{"a":2}\n{"a":');
  assert.deepEqual(readJsonl(p), [{ a: 1 }, { a: 2 }]);
  writeFileSync(p, '{"a":1}\n{"a\n{"a":3}\n');
  assert.throws(() => readJsonl(p), /m\.jsonl:2 is not valid JSON/);
  assert.deepEqual(readJsonl(join(dir, 'missing.jsonl')), []);
});

test('appended lines survive kill -9 of the writer; every complete line parses', async () => {
  const dir = tmp();
  const p = join(dir, 'metrics.jsonl');
  const src = `const { openSync, writeSync } = require('node:fs'); const fd = openSync(${JSON.stringify(p)}, 'a');
    let i = 0; process.send('ready'); for (;;) { writeSync(fd, JSON.stringify({ step: i++, pad: 'x'.repeat(500) }) + '\\n'); }`;
  const child = spawn(process.execPath, ['-e', src], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await new Promise<void>((r) => child.once('message', () => r()));
  await new Promise((r) => setTimeout(r, 150));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const rows = readJsonl<{ step: number }>(p);
  assert.ok(rows.length > 10, `only ${rows.length} rows`);
  rows.forEach((r, i) => assert.equal(r.step, i));
});

test('LineAppender writes each line immediately (visible before close)', () => {
  const p = join(tmp(), 'x.jsonl');
  const a = new LineAppender(p);
  a.appendJson({ k: 1 });
  assert.equal(readFileSync(p, 'utf8'), '{"k":1}\n');
  a.close();
  assert.throws(() => a.append('x'), /already closed/);
});

test('writeJsonAtomic leaves no temp file and replaces the whole content', () => {
  const dir = tmp();
  const p = join(dir, 'a.json');
  writeJsonAtomic(p, { big: 'x'.repeat(10000) });
  writeJsonAtomic(p, { small: 1 });
  assert.deepEqual(JSON.parse(readFileSync(p, 'utf8')), { small: 1 });
  assert.deepEqual(readdirSync(dir), ['a.json']);
});

test('checkpoints: swap by rename, keep-N for step checkpoints, a failed write keeps the old one', async () => {
  const run = RunFolder.create(tmp(), base);
  for (let s = 1; s <= 4; s++) await run.saveCheckpoint(`step-${s}`, (d) => writeFileSync(join(d, 'w.bin'), String(s)), 2);
  assert.deepEqual(run.stepCheckpoints(), ['step-3', 'step-4']);
  await run.saveCheckpoint('best', (d) => writeFileSync(join(d, 'w.bin'), 'one'));
  await assert.rejects(
    run.saveCheckpoint('best', () => {
      throw new Error('disk full');
    }),
    /disk full/,
  );
  assert.equal(readFileSync(join(run.checkpointDir('best'), 'w.bin'), 'utf8'), 'one');
  await run.saveCheckpoint('best', (d) => writeFileSync(join(d, 'w.bin'), 'two'));
  assert.equal(readFileSync(join(run.checkpointDir('best'), 'w.bin'), 'utf8'), 'two');
  assert.deepEqual(
    readdirSync(join(run.dir, 'checkpoints'))
      .filter((n) => !n.startsWith('.'))
      .sort(),
    ['best', 'step-3', 'step-4'],
  );
});

test('listRuns: newest first, skips foreign folders; markOrphanedRuns fails runs of dead hosts only', () => {
  const root = tmp();
  const a = RunFolder.create(root, { ...base, id: 'a' });
  a.update({ startedAt: '2026-01-01T00:00:00.000Z' });
  const b = RunFolder.create(root, { ...base, id: 'b', kind: 'baseline-tfidf' });
  b.update({ hostPid: 999999 });
  a.log('step 5');
  a.update({ hostPid: 999998 });
  const c = RunFolder.create(root, { ...base, id: 'c' });
  c.finish('completed');
  appendFileSync(join(root, 'notes.txt'), 'x');
  writeFileSync(join(tmp(), 'x'), '');
  const runs = listRuns(root);
  assert.deepEqual(runs.map((r) => r.id).sort(), ['a', 'b', 'c']);
  assert.equal(runs[runs.length - 1].id, 'a');
  const marked = markOrphanedRuns(root, (pid) => pid === 999999);
  assert.deepEqual(marked, ['a']);
  const ma = RunFolder.open(a.dir).manifest;
  assert.equal(ma.status, 'failed');
  assert.match(ma.error!, /pid 999998/);
  assert.match(ma.logTail!.join('\n'), /step 5/);
  assert.equal(RunFolder.open(b.dir).manifest.status, 'running');
  assert.equal(RunFolder.open(c.dir).manifest.status, 'completed');
  assert.throws(() => RunFolder.open(root), /not a run folder/);
  assert.ok(!existsSync(join(root, 'missing')));
});

test("run names: the host writes a short default name, distinct from its siblings', keeps a rename made on disk, and lists it", () => {
  const root = tmp();
  const config = { epochs: 3, lr: 5e-5, trainLayers: 'all', longText: 'head', data: { model: 'starter' } };
  const a = RunFolder.create(root, { id: 'a', kind: 'finetune', config, seed: 1, packages: {}, device: 'cpu' });
  const b = RunFolder.create(root, { id: 'b', kind: 'finetune', config, seed: 1, packages: {}, device: 'cpu' });
  const t = RunFolder.create(root, { id: 't', kind: 'baseline-tfidf', config: { C: 'chosen on validation' }, seed: 1, packages: {}, device: 'cpu' });
  const h = RunFolder.create(root, {
    id: 'h',
    kind: 'head-only',
    config: { ...config, trainLayers: 'head', lr: 1e-3, epochs: 1, longText: 'sentence-mean', data: { model: 'org/some-model' } },
    seed: 1,
    packages: {},
    device: 'cpu',
  });
  const onDisk = (dir: string) => (JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunManifest).name;
  assert.equal(onDisk(a.dir), 'starter · full · 3 ep · lr 5e-5');
  assert.equal(onDisk(b.dir), 'starter · full · 3 ep · lr 5e-5 #2');
  assert.equal(onDisk(t.dir), 'TF-IDF baseline');
  assert.equal(onDisk(h.dir), 'some-model · head only · sentence-mean · 1 ep · lr 1e-3');
  const d = RunFolder.create(tmp(), { id: 'd', kind: 'finetune', config: { ...config, layerLrDecay: 0.8 }, seed: 1, packages: {}, device: 'cpu' });
  assert.equal(onDisk(d.dir), 'starter · full · 3 ep · lr 5e-5 · layer decay 0.8', 'layer-wise lr decay tells runs apart');
  // Renamed by the extension while the host still writes the run: the host's later updates keep the new name.
  renameRun(a.dir, 'my first run');
  a.metric({ type: 'step', step: 1, epoch: 0, loss: 1, lr: 1e-5, step_ms: 1, time: new Date().toISOString() });
  a.finish('completed');
  assert.equal(onDisk(a.dir), 'my first run');
  assert.equal((JSON.parse(readFileSync(join(a.dir, 'run.json'), 'utf8')) as RunManifest).status, 'completed');
  assert.ok(!readdirSync(a.dir).some((f) => f.includes('tmp')), 'no temporary file is left behind');
  assert.deepEqual(
    listRuns(root)
      .map((r) => [r.id, r.name])
      .sort(),
    [
      ['a', 'my first run'],
      ['b', 'starter · full · 3 ep · lr 5e-5 #2'],
      ['h', 'some-model · head only · sentence-mean · 1 ep · lr 1e-3'],
      ['t', 'TF-IDF baseline'],
    ],
  );
  assert.throws(() => renameRun(join(root, 'nope'), 'x'), /is not a run folder/);
});

test('a full disk fails the job with one line naming the disk, what to free and how to continue; other errors pass unchanged', async () => {
  const root = tmp();
  const full = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  // a baseline: nothing to resume
  const b = RunFolder.create(root, { ...base, id: 'b', kind: 'baseline-tfidf' });
  const rb = await runJob(b, async () => {
    throw full();
  });
  assert.equal(rb.status, 'failed');
  assert.equal(
    rb.error,
    `the disk holding ${root} is full (ENOSPC: no space left on device, write); free some space (old runs, old searches or cross-validations, the embedding cache), then start the job again`,
  );
  assert.equal(readRun(b.dir).manifest.error, rb.error);
  assert.equal(readRun(b.dir).manifest.status, 'failed');
  // a fine-tuning run with a last checkpoint continues from it; over a quota (EDQUOT) reads the same
  const f = RunFolder.create(root, { ...base, id: 'f' });
  await f.saveCheckpoint('last', (dir) => writeFileSync(join(dir, 'loop-state.json'), '{}'));
  const rf = await runJob(f, async () => {
    throw Object.assign(new Error('disk quota exceeded'), { code: 'EDQUOT' });
  });
  assert.match(rf.error!, /is full \(EDQUOT: disk quota exceeded\); free some space .*, then resume the run: it continues from its last checkpoint$/);
  // run.json itself cannot be written: the job still answers with the line, no exception escapes
  const g = RunFolder.create(root, { ...base, id: 'g' });
  g.fail = () => {
    throw full();
  };
  const rg = await runJob(g, async () => {
    throw full();
  });
  assert.equal(rg.status, 'failed');
  assert.match(rg.error!, /^the disk holding .* is full .*then start the job again$/);
  // an error that crossed the trainer's worker thread keeps only its message
  assert.match(
    failureMessage(new Error('ENOSPC: no space left on device, write'), g),
    /^the disk holding .* is full \(ENOSPC: no space left on device, write\)/,
  );
  // any other error is its own message
  const o = RunFolder.create(root, { ...base, id: 'o' });
  assert.equal(failureMessage(new Error('the data has one label; a classifier needs two'), o), 'the data has one label; a classifier needs two');
  assert.equal(failureMessage(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }), o), 'EACCES: permission denied');
});
