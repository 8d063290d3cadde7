// The gft CLI: main() called directly with captured output, and the built bundle (dist/cli.js via bin/gft.js)
// spawned for exit codes. Bad arguments and bad data: one line on stderr, non-zero exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type Io } from '../../../src/host/cli';
import type { Values } from '../../../src/host/cli/common';
import { takeDeprecatedFlags, trainConfig } from '../../../src/host/cli/settings';
import { loadBuiltin } from '../../../src/host/data';
import { prepareData } from '../../../src/host/jobs';

const TRAIN = 'test/fixtures/host/tiny-train.jsonl';
const EVAL = 'test/fixtures/host/tiny-eval.jsonl';
const tmp = () => mkdtempSync(join(tmpdir(), 'gft-cli-'));

async function gft(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), isTTY: false };
  const code = await main(argv, io);
  return { code, out, err };
}

test('every command has --help', async () => {
  const top = await gft('--help');
  assert.equal(top.code, 0);
  for (const cmd of ['data', 'train', 'baseline', 'cv', 'eval', 'compare', 'export', 'predict', 'demo', 'runs', 'reflect', 'gpu', 'info']) {
    assert.match(top.out.join('\n'), new RegExp(`\\n  ${cmd} `));
    const r = await gft(cmd, '--help');
    assert.equal(r.code, 0, cmd);
    assert.match(r.out.join('\n'), new RegExp(`^Usage: gft ${cmd}`), cmd);
  }
  const train = (await gft('train', '--help')).out.join('\n');
  for (const o of [
    '--model',
    '--data',
    '--train',
    '--eval',
    '--out',
    '--epochs',
    '--batch-size',
    '--lr',
    '--max-length',
    '--seed',
    '--schedule',
    '--warmup-steps',
    '--weight-decay',
    '--max-grad-norm',
    '--no-shuffle',
    '--train-layers',
  ]) {
    assert.ok(train.includes(o), o);
  }
});

test('bad arguments: one line on stderr, exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [['bogus'], /unknown command 'bogus'/],
    [['train', '--model', 'starter', '--data', 'builtin:movie-reviews', '--epochs', 'x'], /--epochs must be a whole number from 1 to 1000 \(got 'x'\)/],
    [['train', '--model', 'starter', '--data', 'builtin:movie-reviews', '--schedule', 'cosine'], /--schedule must be one of constant, linear/],
    [
      ['train', '--model', 'starter', '--data', 'builtin:movie-reviews', '--train-layers', 'some'],
      /--train-layers must be all, head or top:K with K a whole number from 1 to 1000 \(got 'some'\)/,
    ],
    [
      ['train', '--model', 'starter', '--data', 'builtin:movie-reviews', '--freeze', 'head', '--train-layers', 'all'],
      /--freeze is the old name of --train-layers: give only --train-layers/,
    ],
    [['train', '--data', 'builtin:movie-reviews'], /--model is required/],
    [['train', '--model', 'starter'], /no data/],
    [['train', '--model', 'starter', '--train', 'missing.jsonl'], /file not found: missing\.jsonl/],
    [['baseline', '--kind', 'svm', '--data', 'x'], /--kind must be one of tfidf, nbsvm, embeddings/],
    [['baseline', '--kind', 'tfidf', '--nope'], /Unknown option '--nope'/],
    [['eval', '--run', 'x'], /both --run DIR and --data PATH are required/],
    [['compare', 'a'], /exactly two run folders/],
    [['data', '--data', 'builtin:movie-reviews', '--split', '0.1'], /--split must be two fractions/],
    // the settings schema's limits, the same in the form and the host
    [['train', '--model', 'starter', '--data', 'builtin:movie-reviews', '--lr', '2'], /^gft train: --lr must be a number > 0 and <= 1 \(got 2\)\./],
    [['train', '--model', 'starter', '--data', 'builtin:movie-reviews', '--max-length', '2'], /--max-length must be a whole number from 3 to 4096 \(got 2\)/],
    [
      ['train', '--model', 'starter', '--data', 'builtin:movie-reviews', '--layer-lr-decay', '0'],
      /^gft train: --layer-lr-decay must be a number > 0 and <= 1 \(got 0\)\./,
    ],
    [
      ['probe', '--model', 'starter', '--data', 'builtin:movie-reviews', '--layer-lr-decay', '1.5'],
      /--layer-lr-decay must be a number > 0 and <= 1 \(got 1\.5\)/,
    ],
    [
      ['probe', '--model', 'starter', '--data', 'builtin:movie-reviews', '--eval-every', '0'],
      /--eval-every must be auto, epoch or a whole number >= 1 \(got 0\)/,
    ],
    // --resume takes the run's own settings: another one is refused, not ignored
    [
      ['train', '--resume', 'runs/x', '--lr', '1e-4', '--model', 'starter'],
      /--resume continues the run with its own model, data and settings: --lr, --model cannot be given; only --epochs, --device, --threads can/,
    ],
  ];
  for (const [argv, re] of cases) {
    const r = await gft(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.equal(r.err.length, 1, argv.join(' '));
    assert.match(r.err[0], re);
  }
});

test('--freeze, the old name of --train-layers, still works with one warning line naming --train-layers', async () => {
  const r = await gft('train', '--model', 'starter', '--data', 'builtin:movie-reviews', '--freeze', 'some');
  assert.equal(r.code, 2);
  assert.deepEqual(r.err.length, 2, r.err.join('\n'));
  assert.equal(r.err[0], 'warning: --freeze is deprecated: use --train-layers (same values)');
  assert.match(r.err[1], /--train-layers must be all, head or top:K .*\(got 'some'\)/);
  const v: Values = { freeze: 'top:2' };
  assert.deepEqual(takeDeprecatedFlags(v), ['--freeze is deprecated: use --train-layers (same values)']);
  assert.deepEqual(trainConfig(v), { trainLayers: { top: 2 } });
  assert.ok(!(await gft('train', '--help')).out.join('\n').includes('--freeze'), 'help names only the new flag');
});

test('bad data: one line naming the file, exit 1', async () => {
  const dir = tmp();
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, '{"text": "fine", "label": "pos"}\n{"text": "broken\n');
  const r = await gft('baseline', '--kind', 'tfidf', '--train', bad, '--out', join(dir, 'run'));
  assert.equal(r.code, 1);
  assert.equal(r.err.length, 1);
  assert.match(r.err[0], /^gft baseline: .*bad\.jsonl/);
  const e = await gft('eval', '--run', dir, '--data', EVAL);
  assert.equal(e.code, 1);
  assert.match(e.err[0], /is not a run folder/);
});

test('baseline -> eval -> predict -> compare -> runs, with --json lines', async () => {
  const dir = tmp();
  const a = join(dir, 'a');
  const r = await gft('baseline', '--kind', 'tfidf', '--train', TRAIN, '--eval', EVAL, '--out', a, '--C', '10', '--json');
  assert.equal(r.code, 0, r.err.join('\n'));
  const events = r.out.map((l) => JSON.parse(l) as { event: string; status?: string; runDir?: string });
  assert.ok(events.some((e) => e.event === 'progress'));
  assert.ok(events.some((e) => e.event === 'metric'));
  assert.deepEqual(events.at(-1), { ...events.at(-1), event: 'result', status: 'completed', runDir: a });
  assert.equal(JSON.parse(readFileSync(join(a, 'run.json'), 'utf8')).id, 'a');
  const ev = await gft('eval', '--run', a, '--data', EVAL);
  assert.equal(ev.code, 0);
  const m = JSON.parse(ev.out.join('\n')) as { n: number; accuracy: number; confusion: number[][] };
  assert.equal(m.n, 20);
  assert.equal(m.accuracy, 1);
  assert.deepEqual(m.confusion, [
    [10, 0],
    [0, 10],
  ]);
  const p = await gft('predict', '--run', a, '--text', 'a wonderful brilliant film', '--text', 'boring awful mess');
  assert.deepEqual(
    p.out.map((l) => (JSON.parse(l) as { label: string }).label),
    ['pos', 'neg'],
  );
  const b = join(dir, 'b');
  assert.equal((await gft('baseline', '--kind', 'tfidf', '--train', TRAIN, '--eval', EVAL, '--out', b, '--C', '0.01')).code, 0);
  const c = await gft('compare', a, b, '--json');
  assert.equal(c.code, 0);
  const cmp = JSON.parse(c.out[0]) as { n: number; accuracyA: number };
  assert.equal(cmp.n, 20);
  assert.equal(cmp.accuracyA, 1);
  const runs = await gft('runs', '--root', dir, '--json');
  assert.deepEqual((JSON.parse(runs.out[0]) as { id: string }[]).map((x) => x.id).sort(), ['a', 'b']);
  // The plain listing names each run (run.json's name): each TF-IDF baseline with its fixed C.
  const listed = await gft('runs', '--root', dir);
  assert.deepEqual(listed.out.map((l) => l.split('  ').slice(0, 2)).sort(), [
    ['a', 'TF-IDF baseline · C 10'],
    ['b', 'TF-IDF baseline · C 0.01'],
  ]);
  const again = await gft('baseline', '--kind', 'tfidf', '--train', TRAIN, '--out', a);
  assert.equal(again.code, 1);
  assert.match(again.err[0], /already exists and is not empty/);
});

test('the built CLI (bin/gft.js) exits non-zero with one line on bad input', () => {
  assert.ok(existsSync('dist/cli.js'), 'run `npm run build` first');
  const ok = spawnSync(process.execPath, ['bin/gft.js', 'data', '--train', TRAIN, '--eval', EVAL, '--json'], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.deepEqual((JSON.parse(ok.stdout) as { sizes: unknown }).sizes, { train: 60, validation: 20, test: 20 });
  const bad = spawnSync(process.execPath, ['bin/gft.js', 'train', '--model', 'starter', '--data', 'builtin:movie-reviews', '--lr', 'fast'], {
    encoding: 'utf8',
  });
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.match(bad.stderr, /--lr must be a number/);
  assert.equal(bad.stdout, '');
});

test('gft reflect writes the reflection from two baseline runs on one split, with their measured accuracies', async () => {
  const root = tmp();
  const data = ['--data', TRAIN, '--split', '0.2,0.3', '--split-seed', '3'];
  const a = await gft('baseline', '--kind', 'tfidf', ...data, '--out', join(root, 'a'), '--json');
  assert.equal(a.code, 0, a.err.join('\n'));
  const b = await gft('baseline', '--kind', 'tfidf', ...data, '--C', '1', '--out', join(root, 'b'), '--json');
  assert.equal(b.code, 0, b.err.join('\n'));
  const accuracy = (dir: string) => (JSON.parse(readFileSync(join(root, dir, 'run.json'), 'utf8')) as { test: { accuracy: number } }).test.accuracy;
  const out = join(root, 'REFLECTION.md');
  const r = await gft('reflect', '--runs', root, '--out', out, '--no-latency', '--data', TRAIN);
  assert.equal(r.code, 0, r.err.join('\n'));
  const md = readFileSync(out, 'utf8');
  assert.match(md, /better|worse|beat/i);
  for (const dir of ['a', 'b']) assert.ok(md.includes(`${(accuracy(dir) * 100).toFixed(1)}%`), `accuracy of ${dir} in the reflection`);
  const missing = await gft('reflect', '--runs', join(root, 'nope'));
  assert.equal(missing.code, 1);
  assert.equal(missing.err.length, 1);
  assert.match(missing.err[0], /runs folder .* not found/);
});

test('gft gpu status: CPU on a machine without a usable accelerator, with a one-line reason per accelerator', async () => {
  const r = await gft('gpu', 'status', '--json');
  assert.equal(r.code, 0, r.err.join('\n'));
  const sel = JSON.parse(r.out[0]) as { device: string; reasons: Record<string, string>; cudaLibrariesMissing: string[] };
  if (sel.device === 'cpu') {
    for (const d of ['cuda', 'webgpu']) {
      assert.equal(typeof sel.reasons[d], 'string', d);
      assert.doesNotMatch(sel.reasons[d], /\n/);
    }
    if (sel.cudaLibrariesMissing.length) assert.match(sel.reasons.cuda, /gft gpu install/);
  }
  const plain = await gft('gpu', 'status', '--device', 'cpu');
  assert.equal(plain.code, 0);
  assert.match(plain.out[0], /^device cpu/);
  const bad = await gft('gpu', 'frobnicate');
  assert.equal(bad.code, 2);
  assert.match(bad.err[0], /unknown gpu command 'frobnicate'/);
  const badDevice = await gft('gpu', 'status', '--device', 'tpu');
  assert.equal(badDevice.code, 2);
  assert.match(badDevice.err[0], /--device must be one of auto, cpu, cuda, webgpu/);
});

test('gft eval on another dataset with its own column names and label values (out-of-domain check)', async () => {
  const root = tmp();
  const run = join(root, 'tfidf');
  const b = await gft('baseline', '--kind', 'tfidf', '--train', TRAIN, '--eval', EVAL, '--C', '10', '--out', run, '--json');
  assert.equal(b.code, 0, b.err.join('\n'));
  const same = await gft('eval', '--run', run, '--data', EVAL);
  assert.equal(same.code, 0, same.err.join('\n'));
  const rows = readFileSync(EVAL, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { text: string; label: string });
  const csv = join(root, 'other.csv');
  writeFileSync(csv, 'review,sentiment\n' + rows.map((r) => `"${r.text}",${r.label === 'pos' ? 'positive' : 'negative'}`).join('\n') + '\n');
  const unmapped = await gft('eval', '--run', run, '--data', csv);
  assert.equal(unmapped.code, 1, "labels positive/negative are not the run's labels");
  assert.equal(unmapped.err.length, 1);
  const mapped = await gft(
    'eval',
    '--run',
    run,
    '--data',
    csv,
    '--label-column',
    'sentiment',
    '--text-column',
    'review',
    '--label-map',
    'positive=pos,negative=neg',
  );
  assert.equal(mapped.code, 0, mapped.err.join('\n'));
  const a = JSON.parse(same.out.join('\n')) as { accuracy: number; n?: number; confusion?: number[][] };
  const m = JSON.parse(mapped.out.join('\n')) as { accuracy: number; confusion?: number[][] };
  assert.equal(m.accuracy, a.accuracy);
  assert.deepEqual(m.confusion, a.confusion);
  const onlyPos = join(root, 'pos.csv');
  writeFileSync(
    onlyPos,
    'review,sentiment\n' +
      rows
        .filter((r) => r.label === 'pos')
        .map((r) => `"${r.text}",positive`)
        .join('\n') +
      '\n',
  );
  const single = await gft('eval', '--run', run, '--data', onlyPos, '--label-map', 'positive=pos');
  assert.equal(single.code, 0, single.err.join('\n'));
  assert.equal(typeof (JSON.parse(single.out.join('\n')) as { accuracy: number }).accuracy, 'number');
});

test("--fold: cross-validation splits (the dataset's own folds, or K seeded stratified folds), recorded in the run", async () => {
  // the movie reviews' own fold 3 (Pang & Lee's canonical folds) is the test set; validation is 10% of the data
  const p = prepareData({ data: 'builtin:movie-reviews', split: { validation: 0.1, test: 0.2, seed: 42, fold: 3 } });
  const fold3 = loadBuiltin('movie-reviews')
    .examples.filter((e) => e.fold === 3)
    .map((e) => e.id)
    .sort();
  assert.deepEqual(p.test.map((e) => e.id).sort(), fold3);
  assert.deepEqual([p.train.length, p.validation.length, p.test.length], [1600, 200, 200]);
  assert.equal(p.splitManifest!.method, 'canonical-fold');
  const ids = [...p.train, ...p.validation, ...p.test].map((e) => e.id);
  assert.equal(new Set(ids).size, 2000, 'the three sets are disjoint and cover the data');
  const cli = await gft('data', '--data', 'builtin:movie-reviews', '--folds', '5', '--fold', '2', '--json');
  assert.equal(cli.code, 0, cli.err.join('\n'));
  assert.deepEqual(JSON.parse(cli.out[0]).sizes, { train: 1400, validation: 200, test: 400 });

  // a file without folds of its own: K folds made here; the run records the split and its manifest
  const dir = tmp();
  const out = join(dir, 'cv');
  const r = await gft('baseline', '--kind', 'tfidf', '--data', TRAIN, '--folds', '4', '--fold', '2', '--out', out, '--C', '10');
  assert.equal(r.code, 0, r.err.join('\n'));
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
  assert.deepEqual(run.config.split, { validation: 0.1, test: 0.2, seed: 42, fold: 2, folds: 4 });
  const manifest = JSON.parse(readFileSync(join(out, 'split.json'), 'utf8'));
  assert.deepEqual([manifest.method, manifest.k, manifest.fold], ['kfold', 4, 2]);

  const cases: [string[], number, RegExp][] = [
    [['data', '--data', 'builtin:movie-reviews', '--fold', '3', '--split', '0.1,0.2'], 2, /either --split \(holdout\) or --fold/],
    [['data', '--data', 'builtin:movie-reviews', '--folds', '5'], 2, /--folds needs --fold N/],
    [['data', '--data', 'builtin:movie-reviews', '--fold', '11'], 1, /fold must be 1 to 10/],
    [
      ['data', '--data', TRAIN, '--fold', '1'],
      1,
      /has no folds of its own; use a holdout split, or give the number of folds to make, e\.g\. --folds 10 and --fold 1/,
    ],
    [['data', '--train', TRAIN, '--fold', '1'], 2, /--fold splits a dataset given with --data/],
  ];
  for (const [argv, code, re] of cases) {
    const e = await gft(...argv);
    assert.equal(e.code, code, argv.join(' '));
    assert.equal(e.err.length, 1, argv.join(' '));
    assert.match(e.err[0], re);
  }
});

test('gft cv: one run per fold, every example tested once, pooled metrics; resumable; two cross-validations compare on every example', async () => {
  const dir = tmp();
  const a = join(dir, 'cv-a');
  const r = await gft('cv', '--kind', 'tfidf', '--data', TRAIN, '--folds', '3', '--out', a, '--C', '10', '--json');
  assert.equal(r.code, 0, r.err.join('\n'));
  const res = JSON.parse(r.out.at(-1)!) as {
    event: string;
    status: string;
    summary: { folds: number; perFold: { fold: number; n: number; accuracy: number }[]; meanAccuracy: number; pooled: { n: number; accuracy: number } };
  };
  assert.equal(res.status, 'completed');
  const s = res.summary;
  const total = readFileSync(TRAIN, 'utf8').trim().split('\n').length;
  assert.equal(s.folds, 3);
  assert.deepEqual(
    s.perFold.map((f) => f.fold),
    [1, 2, 3],
  );
  assert.equal(
    s.perFold.reduce((n, f) => n + f.n, 0),
    total,
    "the folds' test sets cover the data once",
  );
  assert.equal(s.pooled.n, total);
  const weighted = s.perFold.reduce((x, f) => x + f.n * f.accuracy, 0) / total;
  assert.ok(Math.abs(s.pooled.accuracy - weighted) < 1e-12, `pooled ${s.pooled.accuracy} = fold-weighted ${weighted}`);
  const pooledIds = readFileSync(join(a, 'predictions.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { id: string }).id);
  assert.equal(new Set(pooledIds).size, total);
  for (const f of ['fold-01', 'fold-02', 'fold-03']) assert.equal(JSON.parse(readFileSync(join(a, f, 'run.json'), 'utf8')).status, 'completed', f);

  // the same command again keeps the completed folds (same run ids, same results)
  const before = readFileSync(join(a, 'fold-02', 'run.json'), 'utf8');
  const again = await gft('cv', '--kind', 'tfidf', '--data', TRAIN, '--folds', '3', '--out', a, '--C', '10');
  assert.equal(again.code, 0, again.err.join('\n'));
  assert.equal(readFileSync(join(a, 'fold-02', 'run.json'), 'utf8'), before);
  assert.match(again.out.join('\n'), new RegExp(`mean of 3 folds .*; pooled .*, n ${total}\\)`));
  const other = await gft('cv', '--kind', 'tfidf', '--data', TRAIN, '--folds', '3', '--out', a, '--C', '0.01');
  assert.equal(other.code, 1);
  assert.match(other.err[0], /holds a cross-validation with other settings/);

  // a fine-tuning cross-validation (starter model, 3 folds, 1 epoch), then compared with the TF-IDF one
  const b = join(dir, 'cv-b');
  const ft = await gft(
    'cv',
    '--kind',
    'finetune',
    '--model',
    'starter',
    '--data',
    TRAIN,
    '--folds',
    '3',
    '--out',
    b,
    '--epochs',
    '1',
    '--batch-size',
    '8',
    '--max-length',
    '32',
  );
  assert.equal(ft.code, 0, ft.err.join('\n'));
  assert.equal(JSON.parse(readFileSync(join(b, 'fold-03', 'run.json'), 'utf8')).kind, 'finetune');
  const c = await gft('compare', a, b, '--json');
  assert.equal(c.code, 0, c.err.join('\n'));
  assert.equal((JSON.parse(c.out[0]) as { n: number }).n, total);

  const bad = await gft('cv', '--kind', 'tfidf', '--data', TRAIN, '--out', join(dir, 'x'));
  assert.equal(bad.code, 1);
  assert.match(bad.err[0], /has no folds of its own; use a holdout split, or give the number of folds to make, e\.g\. --folds 10$/);
  assert.match((await gft('cv', '--kind', 'tfidf', '--train', TRAIN)).err[0], /Unknown option '--train'/);
  assert.match((await gft('cv', '--kind', 'tfidf')).err[0], /--data is required/);
});
