// The nine bad inputs a new user makes, through the built CLI (bin/gft.js) and through the host's RPC
// (dist/host.js): each is one error line naming the problem and the fix, a non-zero exit (or an RPC error), and
// no run folder is left behind. Everything checkable is checked before the run folder is created.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startHost } from '../../../src/client/hostProcess';
import { sendRequest } from '../../../src/client/rpc';
import { main } from '../../../src/host/cli';
import { Requests, type TrainParams } from '../../../src/protocol';

interface BadInput {
  name: string;
  /** gft train arguments after --model (the data and settings). */
  cli: string[];
  model?: string;
  /** What the RPC's TrainParams carry instead of the defaults (starter, the data path). */
  rpc: Partial<TrainParams>;
  cliError: RegExp;
  rpcError: RegExp;
}

/** Writes the bad files into `dir` and returns the table. */
function badInputs(dir: string): BadInput[] {
  const f = (name: string, content: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  const empty = join(dir, 'empty-folder');
  mkdirSync(empty);
  const oneClass = f('one-class.csv', 'text,label\na fine film,pos\nanother fine film,pos\nand a third,pos\n');
  const broken = f('broken.csv', 'text,label\n"a review that never ends,pos\nshort,neg\n');
  // bytes 0..255 repeated: a NUL byte in the first line
  const binary = f('binary.csv', Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7) % 256)));
  const noColumn = f('no-column.csv', 'words,label\n' + Array.from({ length: 40 }, (_, i) => `text number ${i},${i % 2 ? 'pos' : 'neg'}`).join('\n') + '\n');
  const emptyFile = f('empty.csv', '');
  const missing = join(dir, 'no-such-data.csv');
  const noModel = join(dir, 'no-such-model');
  const data = (p: string) => ({ cli: ['--data', p], rpc: { data: p } });
  return [
    { name: 'missing path', ...data(missing), cliError: /no-such-data\.csv: no such file or folder; give a CSV/, rpcError: /no such file or folder/ },
    { name: 'empty folder', ...data(empty), cliError: /empty-folder has no sub-folders; put each class's \.txt files/, rpcError: /has no sub-folders/ },
    {
      name: 'one class',
      ...data(oneClass),
      cliError: /every example has the label "pos"; a classifier needs at least two classes/,
      rpcError: /at least two classes/,
    },
    {
      name: 'broken CSV',
      ...data(broken),
      cliError: /broken\.csv line 2: a quoted field is never closed; add the closing "/,
      rpcError: /quoted field is never closed/,
    },
    { name: 'binary file', ...data(binary), cliError: /binary\.csv line 1: binary content .*; give a UTF-8 or Latin-1 text file/, rpcError: /binary content/ },
    {
      name: 'missing column',
      ...data(noColumn),
      cliError: /no-column\.csv line 1: no text column \(columns found: "words", "label"; .*\); name it with --text-column/,
      rpcError: /no text column/,
    },
    { name: 'empty file', ...data(emptyFile), cliError: /empty\.csv: the file is empty; it needs a header row/, rpcError: /the file is empty/ },
    {
      name: 'a non-number',
      cli: ['--data', 'builtin:movie-reviews', '--lr', 'fast'],
      rpc: { data: 'builtin:movie-reviews', config: { lr: 'fast' as unknown as number } },
      cliError: /--lr must be a number > 0 and <= 1 \(got 'fast'\)/,
      rpcError: /^learning rate must be a number > 0 and <= 1 \(got 'fast'\)$/,
    },
    {
      name: 'a missing model folder',
      model: noModel,
      ...data('builtin:movie-reviews'),
      cliError: /model folder .*no-such-model does not exist; give a hub id like bert-base-uncased or a folder with config\.json/,
      rpcError: /model folder .*no-such-model does not exist/,
    },
  ];
}

const GFT = resolve('bin/gft.js');

test('the nine bad inputs through the built CLI: one line on stderr, non-zero exit, no run folder', () => {
  assert.ok(existsSync('dist/cli.js'), 'run `npm run build` first');
  const dir = mkdtempSync(join(tmpdir(), 'gft-bad-cli-'));
  const work = join(dir, 'work');
  mkdirSync(work);
  for (const b of badInputs(dir)) {
    // the default runs folder (work/runs) and an explicit --out under another runs folder
    for (const out of [[], ['--out', join(dir, 'runs', 'x')]]) {
      const r = spawnSync(process.execPath, [GFT, 'train', '--model', b.model ?? 'starter', ...b.cli, '--epochs', '1', ...out], {
        cwd: work,
        encoding: 'utf8',
        env: { ...process.env, GFT_DEVICE: 'cpu' },
      });
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      assert.notEqual(r.status, 0, `${b.name}: exit ${r.status}`);
      assert.equal(lines.length, 1, `${b.name}: ${r.stderr}`);
      assert.match(lines[0], /^gft train: /, b.name);
      assert.match(lines[0], b.cliError, b.name);
      assert.equal(r.stdout, '', b.name);
      assert.deepEqual(readdirSync(work), [], `${b.name}: left ${readdirSync(work).join(', ')}`);
      assert.ok(!existsSync(join(dir, 'runs')), `${b.name}: a runs folder was made`);
    }
  }
});

test("the nine bad inputs through the host's RPC (run/train): an RPC error of one line, no run folder", async () => {
  assert.ok(existsSync('dist/host.js'), 'run `npm run build` first');
  const dir = mkdtempSync(join(tmpdir(), 'gft-bad-rpc-'));
  const runsRoot = join(dir, 'runs');
  mkdirSync(runsRoot);
  const host = startHost('dist/host.js', { env: { ...process.env, GFT_DEVICE: 'cpu' } });
  try {
    for (const b of badInputs(dir)) {
      const params: TrainParams = {
        model: b.model ?? 'starter',
        runsRoot,
        config: { epochs: 1 },
        ...b.rpc,
        ...(b.rpc.config ? { config: { epochs: 1, ...b.rpc.config } } : {}),
      };
      const err = await sendRequest(host.connection, Requests.train, params).then(
        (v) => assert.fail(`${b.name}: answered ${JSON.stringify(v)}`),
        (e: Error) => e,
      );
      assert.match(err.message, b.rpcError, b.name);
      assert.ok(!err.message.includes('\n'), `${b.name}: ${err.message}`);
      assert.deepEqual(readdirSync(runsRoot), [], `${b.name}: left ${readdirSync(runsRoot).join(', ')}`);
    }
    // a setting impossible with this data or model is also refused before the run exists
    const accum = await sendRequest(host.connection, Requests.train, {
      model: 'starter',
      runsRoot,
      data: 'builtin:movie-reviews',
      config: { longText: 'sentence-mean', gradAccumSteps: 2 },
    }).then(
      (v) => assert.fail(`sentence-mean with accumulation: answered ${JSON.stringify(v)}`),
      (e: Error) => e,
    );
    // the host names the settings, not the CLI's flags (gft train says --long-text and --grad-accum instead)
    assert.match(
      accum.message,
      /^long-text strategy sentence-mean takes no gradient accumulation \(got gradient accumulation steps 2\); set gradient accumulation steps to 1/,
    );
    assert.ok(!accum.message.includes('--'), accum.message);
    assert.deepEqual(readdirSync(runsRoot), []);
    // the same host still answers after the errors
    const ok = await sendRequest(host.connection, Requests.listRuns, { runsRoot });
    assert.deepEqual(ok, []);
  } finally {
    host.dispose();
  }
});

test('gft cv checks the data and the model before making its folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-bad-cv-'));
  const cases: [string[], RegExp][] = [
    [['--kind', 'tfidf', '--data', join(dir, 'no-such-data.csv'), '--folds', '3'], /no-such-data\.csv: no such file or folder/],
    [
      ['--kind', 'finetune', '--model', join(dir, 'no-such-model'), '--data', 'builtin:movie-reviews', '--epochs', '1'],
      /model folder .*no-such-model does not exist/,
    ],
  ];
  for (const [argv, re] of cases) {
    const err: string[] = [];
    const code = await main(['cv', ...argv, '--out', join(dir, 'cv')], { out: () => undefined, err: (l) => err.push(l), isTTY: false });
    assert.equal(code, 1, argv.join(' '));
    assert.equal(err.length, 1, err.join('\n'));
    assert.match(err[0], re);
    assert.ok(!existsSync(join(dir, 'cv')), `${argv.join(' ')}: left the cv folder`);
  }
});
