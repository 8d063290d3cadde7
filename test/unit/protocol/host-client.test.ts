// The client against the bundled host (dist/host.js; run `npm run build` first): requests and notifications,
// one-line errors, cancel, and a host killed with SIGKILL mid-run: the caller gets an error, the run is marked
// failed with its log tail, and the next request starts a fresh host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostClient, HostExitedError } from '../../../src/client/hostClient';
import * as P from '../../../src/protocol';
import { RunFolder } from '../../../src/host/runs';

const tmp = () => mkdtempSync(join(tmpdir(), 'gft-client-'));
const TRAIN = 'test/fixtures/host/tiny-train.jsonl';
const EVAL = 'test/fixtures/host/tiny-eval.jsonl';

test('requests, notifications, one-line errors and cancel through the host', async () => {
  assert.ok(existsSync('dist/host.js'), 'run `npm run build` first');
  const client = new HostClient({ hostScript: 'dist/host.js' });
  const root = tmp();
  try {
    const summary = await client.request(P.Requests.prepareDataset, { trainFile: TRAIN, evalFile: EVAL });
    assert.deepEqual(summary.sizes, { train: 60, validation: 20, test: 20 });
    assert.deepEqual(summary.labels, ['neg', 'pos']);
    const started: P.RunStarted[] = [];
    const metrics: P.MetricPoint[] = [];
    const progress: P.Progress[] = [];
    client.onRunStarted((s) => started.push(s));
    client.onMetric((m) => metrics.push(m));
    client.onProgress((p) => progress.push(p));
    const r = await client.request(P.Requests.baseline, { kind: 'tfidf', trainFile: TRAIN, evalFile: EVAL, runsRoot: root, C: 10 });
    assert.equal(r.status, 'completed');
    assert.equal(r.test!.accuracy, 1);
    assert.equal(started[0].runId, r.runId);
    assert.ok(metrics.length >= 3 && metrics.every((m) => m.runId === r.runId));
    assert.ok(progress.some((p) => p.phase === 'training' && p.device.startsWith('cpu')));
    const runs = await client.request(P.Requests.listRuns, { runsRoot: root });
    assert.deepEqual(
      runs.map((x) => [x.id, x.status, x.testAccuracy]),
      [[r.runId, 'completed', 1]],
    );
    const pred = await client.request(P.Requests.predict, { runDir: r.runDir, texts: ['wonderful fun', 'terrible and dull'] });
    assert.deepEqual(
      pred.predictions.map((p) => p.label),
      ['pos', 'neg'],
    );
    const detail = await client.request(P.Requests.getRun, { runDir: r.runDir });
    assert.equal(detail.predictions.length, 20);
    const cmp = await client.request(P.Requests.compare, { runDirA: r.runDir, runDirB: r.runDir });
    assert.equal(cmp.difference, 0);
    assert.equal(cmp.mcnemarP, 1);
    await assert.rejects(
      client.request(P.Requests.evaluate, { runDir: root, data: EVAL }),
      (e: Error) => /is not a run folder/.test(e.message) && !e.message.includes('\n'),
    );
    await assert.rejects(
      client.request(P.Requests.baseline, { kind: 'tfidf', data: join(root, 'nope.csv'), runsRoot: root }),
      (e: Error) => /nope\.csv/.test(e.message) && !e.message.includes('\n'),
    );
    // Cancel the running job as soon as it reports its first training step.
    const sub = client.onMetric((m) => {
      sub.dispose();
      client.request(P.Requests.cancel, { runId: m.runId }).catch(() => undefined);
    });
    const c = await client.request(P.Requests.baseline, { kind: 'tfidf', data: 'builtin:movie-reviews', runsRoot: root, C: 10 });
    assert.equal(c.status, 'cancelled');
    assert.equal(JSON.parse(readFileSync(join(c.runDir, 'run.json'), 'utf8')).status, 'cancelled');
  } finally {
    client.dispose();
  }
});

test('kill -9 of the host mid-run: caller gets an error, run marked failed with log tail, next request starts a fresh host', async () => {
  const client = new HostClient({ hostScript: 'dist/host.js' });
  const root = tmp();
  try {
    const pid1 = (await client.request(P.Requests.hostInfo, undefined)).pid;
    let runDir = '';
    const exits: HostExitedError[] = [];
    client.onHostExit((e) => exits.push(e));
    const sub = client.onMetric(() => {
      sub.dispose();
      process.kill(pid1, 'SIGKILL');
    });
    client.onRunStarted((s) => (runDir = s.runDir));
    await assert.rejects(
      client.request(P.Requests.baseline, { kind: 'tfidf', data: 'builtin:movie-reviews', runsRoot: root, C: 10 }),
      (e: Error) => e instanceof HostExitedError && /signal SIGKILL/.test(e.message) && /marked failed/.test(e.message),
    );
    assert.equal(exits.length, 1);
    const m = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as P.RunManifest;
    assert.equal(m.status, 'failed');
    assert.match(m.error!, /SIGKILL/);
    assert.ok(
      m.logTail!.some((l) => /TF-IDF: \d+ features/.test(l)),
      m.logTail!.join('\n'),
    );
    const pid2 = (await client.request(P.Requests.hostInfo, undefined)).pid;
    assert.notEqual(pid2, pid1);
    const runs = await client.request(P.Requests.listRuns, { runsRoot: root });
    assert.deepEqual(
      runs.map((r) => r.status),
      ['failed'],
    );
  } finally {
    client.dispose();
  }
});

test('a run left running by a dead host is marked failed by the next host', async () => {
  // Simulates a client that died together with its host: nobody marked the run; the new host does.
  const root = tmp();
  const run = RunFolder.create(root, { kind: 'finetune', config: {}, seed: 1, packages: {}, device: 'cpu' });
  run.log('epoch 1 step 10 loss 0.6');
  run.update({ hostPid: 2 ** 22 + 12345 });
  const client = new HostClient({ hostScript: 'dist/host.js' });
  try {
    const runs = await client.request(P.Requests.listRuns, { runsRoot: root });
    assert.equal(runs[0].status, 'failed');
    const m = RunFolder.open(run.dir).manifest;
    assert.match(m.error!, /exited while the run was in progress/);
    assert.match(m.logTail!.join('\n'), /loss 0\.6/);
  } finally {
    client.dispose();
  }
});
