// `gft probe` (the pre-flight estimate) and `gft train --device/--threads`: help, one-line errors, a real
// estimate on the tiny fixture as text and JSON, and the device and threads recorded in run.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main, type Io } from '../../../src/host/cli';
import { tempDir } from '../tempDir';

const TRAIN = 'test/fixtures/host/tiny-train.jsonl';
const EVAL = 'test/fixtures/host/tiny-eval.jsonl';

async function gft(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), isTTY: false };
  return { code: await main(argv, io), out, err };
}

test('gft probe --help and gft train --help name the estimate, device and threads options', async () => {
  const top = await gft('--help');
  assert.match(top.out.join('\n'), /\n {2}probe {2,}estimate a fine-tuning run/);
  const probe = await gft('probe', '--help');
  assert.equal(probe.code, 0);
  assert.match(probe.out.join('\n'), /^Usage: gft probe --model ID/);
  for (const o of ['--steps', '--device auto|cpu|cuda|webgpu', '--threads', '--batch-size', '--long-text', '--json'])
    assert.ok(probe.out.join('\n').includes(o), o);
  const train = (await gft('train', '--help')).out.join('\n');
  for (const o of ['--device auto|cpu|cuda|webgpu', '--threads N', '--resume DIR']) assert.ok(train.includes(o), o);
});

test('gft probe and gft train: bad options are one line on stderr, exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [['probe', '--train', TRAIN], /^gft probe: --model is required \(e\.g\. --model starter\)\. Run 'gft probe --help' for the options\.$/],
    [['probe', '--model', 'starter', '--train', TRAIN, '--steps', '0'], /^gft probe: --steps must be a whole number from 1 to 50 \(got 0\)/],
    [['probe', '--model', 'starter', '--train', TRAIN, '--device', 'tpu'], /^gft probe: --device must be one of auto, cpu, cuda, webgpu \(got 'tpu'\)/],
    [['train', '--model', 'starter', '--train', TRAIN, '--threads', 'many'], /^gft train: --threads must be a whole number from 0 to 1024 \(got 'many'\)/],
  ];
  for (const [argv, re] of cases) {
    const r = await gft(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.equal(r.err.length, 1, r.err.join('\n'));
    assert.match(r.err[0], re);
  }
  const missing = await gft('probe', '--model', 'no/such-model-here', '--train', TRAIN);
  assert.equal(missing.code, 1);
  assert.equal(missing.err.length, 1);
  assert.match(missing.err[0], /^gft probe: /);
});

test('gft probe prints a measured estimate (text and --json) and writes nothing; gft train records --device/--threads', async (ctx) => {
  const dir = tempDir(ctx, 'gft-probe-cli-');
  const text = await gft(
    'probe',
    '--model',
    'starter',
    '--train',
    TRAIN,
    '--eval',
    EVAL,
    '--batch-size',
    '10',
    '--epochs',
    '2',
    '--device',
    'cpu',
    '--threads',
    '1',
    '--steps',
    '1',
  );
  assert.equal(text.code, 0, text.err.join('\n'));
  const out = text.out.join('\n');
  assert.match(out, /^device: cpu, 1 thread · cpu: /);
  assert.match(out, /\n[\d.]+ s per step \(10 rows; mean of the last 1 of 1 measured steps\) x 6 steps = [\d.]+ s per epoch\n/);
  // evalEvery 'auto' (host/train/config.ts): 2 epochs of 6 steps get 2 validation passes each (AUTO_VALIDATION_PASSES
  // = 4 in all), plus the test pass
  assert.match(out, /\ntotal for 2 epochs with 5 evaluation passes \([\d.]+ s\): about [\d.]+ (s|min)/);
  assert.match(out, /\nmemory: peak \d+ MiB; trains [\d,]+ of [\d,]+ parameters/);
  const json = await gft('probe', '--model', 'starter', '--train', TRAIN, '--batch-size', '7', '--device', 'cpu', '--json', '--steps', '1');
  assert.equal(json.code, 0, json.err.join('\n'));
  const r = JSON.parse(json.out[0]);
  assert.equal(r.stepsPerEpoch, Math.ceil(60 / 7));
  assert.ok(r.secondsPerStep > 0 && r.totalSeconds >= r.secondsPerEpoch * 3);
  // --train without --eval: no validation or test, so no evaluation passes.
  assert.equal(r.evalPasses, 0);

  const run = join(dir, 'run');
  const t = await gft(
    'train',
    '--model',
    'starter',
    '--train',
    TRAIN,
    '--eval',
    EVAL,
    '--epochs',
    '1',
    '--batch-size',
    '30',
    '--device',
    'cpu',
    '--threads',
    '1',
    '--out',
    run,
  );
  assert.equal(t.code, 0, t.err.join('\n'));
  const m = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
  assert.equal(m.config.execution.threads, 1);
  assert.equal(m.config.execution.device, 'cpu');
  assert.match(m.device, /^cpu, 1 thread · /);
  assert.deepEqual(readdirSync(dir), ['run']);
});
