// Every warning of the data loader (encoding, duplicates and leakage, label map) reaches the user on every path
// that loads data: gft's text and --json output, run.json, the host's answers and log notifications, and the
// extension's messages (their text, from the view model).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main, type Io } from '../../../src/host/cli';
import { startHost } from '../../../src/client/hostProcess';
import { onNotification, sendRequest } from '../../../src/client/rpc';
import { Notifications, Requests, type EvaluateResult, type LogLine, type RunManifest, type RunResult } from '../../../src/protocol';
import { estimateView } from '../../../src/ui/viewmodel/fineTuneForm';
import { warningsMessage } from '../../../src/ui/viewmodel/format';
import { tempDir } from '../tempDir';

const TRAIN = 'test/fixtures/host/tiny-train.jsonl';
const EVAL = 'test/fixtures/host/tiny-eval.jsonl';

async function gft(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), isTTY: false };
  const code = await main(argv, io);
  return { code, out, err };
}

/** A Latin-1 CSV (é, ü as single bytes: not valid UTF-8) of 40 labelled reviews, one text twice. */
function latin1Csv(dir: string): string {
  const rows = Array.from(
    { length: 40 },
    (_, i) => `"${i % 2 ? 'a superb, moving café scene' : 'a dull, überlong film'} number ${i}",${i % 2 ? 'pos' : 'neg'}`,
  );
  rows.push(rows[1]);
  const p = join(dir, 'latin1.csv');
  writeFileSync(p, Buffer.from(`text,label\n${rows.join('\n')}\n`, 'latin1'));
  return p;
}

const ENCODING = /latin1\.csv line 2: not valid UTF-8 \(byte 0xfc\); read it as Latin-1 \(Windows-1252\) instead/;
const DUPLICATE = /latin1\.csv: 1 text\(s\) appear more than once \(1 extra copies\)/;

test('gft eval --json on a Latin-1 CSV carries the encoding warning; without --json it is also on stderr', async (ctx) => {
  const dir = tempDir(ctx, 'gft-warn-eval-');
  const run = join(dir, 'run');
  assert.equal((await gft('baseline', '--kind', 'tfidf', '--train', TRAIN, '--eval', EVAL, '--out', run, '--C', '10')).code, 0);
  const csv = latin1Csv(dir);
  const j = await gft('eval', '--run', run, '--data', csv, '--json');
  assert.equal(j.code, 0, j.err.join('\n'));
  const m = JSON.parse(j.out.join('\n')) as EvaluateResult;
  assert.equal(m.n, 41);
  assert.ok(
    m.warnings.some((w) => ENCODING.test(w)),
    JSON.stringify(m.warnings),
  );
  assert.ok(
    m.warnings.some((w) => DUPLICATE.test(w)),
    JSON.stringify(m.warnings),
  );
  assert.deepEqual(j.err, []);
  const t = await gft('eval', '--run', run, '--data', csv);
  assert.equal(t.code, 0);
  assert.deepEqual(
    t.err,
    m.warnings.map((w) => `warning: ${w}`),
  );
  // a label map entry that matches no row is said too
  const mapped = await gft('eval', '--run', run, '--data', csv, '--label-map', 'positive=pos', '--json');
  assert.equal(mapped.code, 0, mapped.err.join('\n'));
  const mw = (JSON.parse(mapped.out.join('\n')) as EvaluateResult).warnings;
  assert.ok(
    mw.some((w) => /label map entry "positive=pos" matched no row \(labels found: "neg", "pos"\)/.test(w)),
    JSON.stringify(mw),
  );
});

test('gft baseline and gft train: the warnings in the text output once each, in the --json result, and in run.json', async (t) => {
  const dir = tempDir(t, 'gft-warn-run-');
  const csv = latin1Csv(dir);
  const text = await gft('baseline', '--kind', 'tfidf', '--data', csv, '--out', join(dir, 'tfidf'), '--C', '10');
  assert.equal(text.code, 0, text.err.join('\n'));
  const warned = text.err.filter((l) => l.startsWith('warning: '));
  assert.equal(warned.length, 2, text.err.join('\n'));
  assert.match(warned[0], ENCODING);
  assert.match(warned[1], DUPLICATE);
  const recorded = (JSON.parse(readFileSync(join(dir, 'tfidf', 'run.json'), 'utf8')) as RunManifest).warnings;
  assert.deepEqual(
    recorded,
    warned.map((l) => l.slice('warning: '.length)),
  );

  for (const [cmd, ...args] of [
    ['baseline', '--kind', 'embeddings'],
    ['train', '--model', 'starter', '--epochs', '1', '--batch-size', '8'],
  ]) {
    const out = join(dir, cmd);
    const r = await gft(cmd, ...args, '--data', csv, '--out', out, '--json');
    assert.equal(r.code, 0, r.err.join('\n'));
    const events = r.out.map((l) => JSON.parse(l) as { event: string } & Partial<RunResult> & Partial<LogLine>);
    const result = events.find((e) => e.event === 'result')!;
    assert.deepEqual(result.warnings, recorded, cmd);
    assert.deepEqual(
      events.filter((e) => e.event === 'log' && e.level === 'warn').map((e) => e.message),
      recorded!.map((w) => `warning: ${w}`),
      cmd,
    );
    assert.deepEqual((JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunManifest).warnings, recorded, cmd);
  }
  // clean data: no warnings field at all
  const clean = await gft('baseline', '--kind', 'tfidf', '--train', TRAIN, '--eval', EVAL, '--out', join(dir, 'clean'), '--C', '10', '--json');
  assert.equal((JSON.parse(clean.out.at(-1)!) as RunResult).warnings, undefined);
  assert.equal((JSON.parse(readFileSync(join(dir, 'clean', 'run.json'), 'utf8')) as RunManifest).warnings, undefined);
});

test("gft reflect --ood on a Latin-1 CSV: the reflection says the out-of-domain data's warnings once", async (t) => {
  const root = tempDir(t, 'gft-warn-reflect-');
  const csv = latin1Csv(tempDir(t, 'gft-warn-ood-'));
  const data = ['--data', TRAIN, '--split', '0.2,0.3', '--split-seed', '3'];
  for (const [dir, C] of [
    ['a', '10'],
    ['b', '1'],
  ])
    assert.equal((await gft('baseline', '--kind', 'tfidf', ...data, '--C', C, '--out', join(root, dir))).code, 0);
  const r = await gft('reflect', '--runs', root, '--no-latency', '--data', TRAIN, '--ood', csv);
  assert.equal(r.code, 0, r.err.join('\n'));
  const md = r.out.join('\n');
  const lines = md.split('\n').filter((l) => l.startsWith('- Warning about the out-of-domain data: '));
  assert.equal(lines.length, 2, md);
  assert.match(lines[0], ENCODING);
  assert.match(lines[1], DUPLICATE);
});

test('separately given train and eval files that share texts: a leakage warning', async (t) => {
  const dir = tempDir(t, 'gft-warn-leak-');
  const evalFile = join(dir, 'eval.jsonl');
  const trainLines = readFileSync(TRAIN, 'utf8').trim().split('\n');
  writeFileSync(evalFile, [...readFileSync(EVAL, 'utf8').trim().split('\n'), trainLines[0], trainLines[1]].join('\n') + '\n');
  const r = await gft('data', '--train', TRAIN, '--eval', evalFile, '--json');
  assert.equal(r.code, 0, r.err.join('\n'));
  const w = (JSON.parse(r.out[0]) as { warnings: string[] }).warnings;
  assert.equal(w.length, 1, JSON.stringify(w));
  assert.match(w[0], /^leakage: 2 text\(s\) appear in both tiny-train \(train\) and eval \(evaluation\)/);
});

test('the host: data/prepare, run/baseline (answer, warn-level log lines, run.json) and run/evaluate carry the warnings', async (t) => {
  const dir = tempDir(t, 'gft-warn-host-');
  const csv = latin1Csv(dir);
  const host = startHost('dist/host.js');
  const logs: LogLine[] = [];
  onNotification(host.connection, Notifications.log, (l) => logs.push(l));
  try {
    const summary = await sendRequest(host.connection, Requests.prepareDataset, { data: csv });
    assert.equal(summary.warnings.length, 2);
    assert.match(summary.warnings[0], ENCODING);
    const r = await sendRequest(host.connection, Requests.baseline, { kind: 'tfidf', data: csv, runsRoot: join(dir, 'runs'), C: 10 });
    assert.equal(r.status, 'completed', r.error);
    assert.deepEqual(r.warnings, summary.warnings);
    assert.deepEqual(
      logs.filter((l) => l.level === 'warn' && l.runId === r.runId).map((l) => l.message),
      summary.warnings.map((w) => `warning: ${w}`),
    );
    assert.deepEqual((JSON.parse(readFileSync(join(r.runDir, 'run.json'), 'utf8')) as RunManifest).warnings, summary.warnings);
    const ev = await sendRequest(host.connection, Requests.evaluate, { runDir: r.runDir, data: csv });
    assert.deepEqual(ev.warnings, summary.warnings);
  } finally {
    host.dispose();
  }
});

test("the extension's messages: one warning message naming the subject and each warning; the estimate lists them first", () => {
  assert.equal(warningsMessage('Fine-tune starter', []), undefined);
  assert.equal(warningsMessage('Fine-tune starter', undefined), undefined);
  assert.equal(warningsMessage('reviews.csv', ['x.csv line 3: not valid UTF-8']), 'reviews.csv: warning about the data: x.csv line 3: not valid UTF-8');
  assert.equal(warningsMessage('run-1 on reviews', ['a', 'b']), 'run-1 on reviews: 2 warnings about the data: (1) a (2) b');
  const probe = {
    device: 'cpu',
    deviceKind: 'cpu',
    threads: 2,
    measuredSteps: 2,
    stepSeconds: [1, 1],
    secondsPerStep: 1,
    rowsPerStep: 8,
    stepsPerEpoch: 5,
    secondsPerEpoch: 5,
    epochs: 1,
    evalPasses: 2,
    evalSeconds: 1,
    totalSeconds: 6,
    setupSeconds: 1,
    peakRssMiB: 100,
    trainableParams: 10,
    totalParams: 10,
    trainTexts: 40,
    trainRows: 40,
    maxLength: 128,
    notes: ['measured here'],
    warnings: ['latin1.csv line 2: not valid UTF-8'],
  };
  assert.deepEqual(estimateView(probe).notes, ['Data warning: latin1.csv line 2: not valid UTF-8', 'measured here']);
});
