// Model resolution against a local fake hub (no internet): snapshot layout, commit sha, resume after a cut,
// skipping complete files, sharded weights, offline and error messages, and local folders.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliName } from '../../../src/shared/settings';
import { ModelSourceError, resolveModel, type DownloadProgress } from '../../../src/host/models/hub';
import { closedPort, startFakeHub, type FakeRepo } from './fakeHub';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const SHA = 'a'.repeat(8) + '0123456789abcdef0123456789abcdef';
const SHA2 = 'b'.repeat(8) + '0123456789abcdef0123456789abcdef';
const weights = randomBytes(700_000);
const tiny: FakeRepo = {
  sha: SHA,
  files: {
    'config.json': Buffer.from('{"model_type":"bert","hidden_size":8}'),
    'tokenizer.json': Buffer.from('{"version":"1.0"}'),
    'tokenizer_config.json': Buffer.from('{"model_max_length":512}'),
    'vocab.txt': Buffer.from('[PAD]\n[UNK]\n'),
    'README.md': Buffer.from('# not downloaded'),
    'pytorch_model.bin': Buffer.from('not downloaded'),
    'model.safetensors': weights,
  },
};
const shard1 = randomBytes(50_000);
const shard2 = randomBytes(60_000);
const sharded: FakeRepo = {
  sha: SHA2,
  files: {
    'config.json': Buffer.from('{}'),
    'tokenizer.json': Buffer.from('{}'),
    'model.safetensors.index.json': Buffer.from(
      JSON.stringify({ weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors', c: 'model-00001-of-00002.safetensors' } }),
    ),
    'model-00001-of-00002.safetensors': shard1,
    'model-00002-of-00002.safetensors': shard2,
  },
};
const binOnly: FakeRepo = {
  sha: 'c'.repeat(40),
  files: { 'config.json': Buffer.from('{}'), 'tokenizer.json': Buffer.from('{}'), 'pytorch_model.bin': Buffer.from('x') },
};

const hubP = startFakeHub({ 'org/tiny-bert': tiny, 'org/sharded': sharded, 'org/bin-only': binOnly });
after(async () => (await hubP).close());
const root = mkdtempSync(join(tmpdir(), 'gft-hub-'));

/** One line; the host names the model setting ("the model"), gft its flag (--model): `cli` is matched against that. */
function oneLine(pattern: RegExp, cli?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof ModelSourceError, `expected ModelSourceError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'));
    assert.match(e.message, pattern);
    assert.ok(!/(^|\s)--[a-z]/.test(e.message), e.message);
    if (cli) assert.match(e.render(cliName), cli);
    return true;
  };
}

test('downloads config, tokenizer files and weights into <cache>/<org>--<name>/<sha>/ with sha256 and progress', async () => {
  const hub = await hubP;
  const cacheDir = join(root, 'c1');
  const progress: DownloadProgress[] = [];
  const r = await resolveModel('org/tiny-bert', { cacheDir, hubUrl: hub.url, onProgress: (p) => progress.push(p) });
  assert.equal(r.source, 'hub');
  assert.equal(r.revision, SHA);
  assert.equal(r.folder, join(cacheDir, 'org--tiny-bert', SHA));
  assert.deepEqual(
    r.files.map((f) => f.name),
    ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt', 'model.safetensors'],
  );
  for (const f of r.files) {
    assert.equal(f.sha256, sha256(tiny.files[f.name]));
    assert.deepEqual(readFileSync(join(r.folder, f.name)), tiny.files[f.name]);
  }
  assert.ok(!existsSync(join(r.folder, 'README.md')) && !existsSync(join(r.folder, 'pytorch_model.bin')));
  assert.equal(readFileSync(join(cacheDir, 'org--tiny-bert', 'refs', 'main'), 'utf8').trim(), SHA);
  const w = progress.filter((p) => p.file === 'model.safetensors');
  assert.ok(w.length >= 2);
  assert.deepEqual(w.at(-1), { file: 'model.safetensors', loaded: weights.length, total: weights.length });
  assert.ok(w.every((p, i) => i === 0 || p.loaded >= w[i - 1].loaded));

  // Second call: one API request, no file requests at all.
  const before = hub.log.length;
  const again = await resolveModel('org/tiny-bert', { cacheDir, hubUrl: hub.url });
  assert.deepEqual(again, r);
  assert.deepEqual(
    hub.log.slice(before).map((l) => l.path),
    ['/api/models/org/tiny-bert/revision/main'],
  );
});

test('an interrupted download resumes from the .part file with a Range request', async () => {
  const hub = await hubP;
  const cacheDir = join(root, 'c2');
  hub.dropNext('model.safetensors', 200_000);
  await assert.rejects(
    resolveModel('org/tiny-bert', { cacheDir, hubUrl: hub.url }),
    oneLine(
      /download of org\/tiny-bert\/model\.safetensors .*run again to resume .*or point the model at a local folder with/,
      /or point --model at a local folder with config\.json/,
    ),
  );
  const part = join(cacheDir, 'org--tiny-bert', SHA, 'model.safetensors.part');
  const have = statSync(part).size;
  assert.ok(have > 0 && have < weights.length, `partial ${have}`);
  assert.ok(!existsSync(join(cacheDir, 'org--tiny-bert', SHA, 'model.safetensors')));
  const before = hub.log.length;
  const r = await resolveModel('org/tiny-bert', { cacheDir, hubUrl: hub.url });
  const ranges = hub.log
    .slice(before)
    .filter((l) => l.path.endsWith('/model.safetensors'))
    .map((l) => l.range);
  assert.ok(ranges.includes(`bytes=${have}-${weights.length - 1}`), `ranges seen: ${ranges.join(', ')}`);
  assert.equal(r.files.find((f) => f.name === 'model.safetensors')!.sha256, sha256(weights));
  assert.ok(!existsSync(part));
  // Files completed before the cut were not fetched again in full.
  const fullGets = hub.log.slice(before).filter((l) => l.path.endsWith('/config.json') && l.range !== 'bytes=0-0');
  assert.equal(fullGets.length, 0);
});

test('sharded weights: the index and every shard it names', async () => {
  const hub = await hubP;
  const r = await resolveModel('org/sharded', { cacheDir: join(root, 'c3'), hubUrl: hub.url, revision: SHA2 });
  assert.deepEqual(
    r.files.map((f) => f.name),
    ['config.json', 'tokenizer.json', 'model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'],
  );
  assert.equal(r.files[4].sha256, sha256(shard2));
  assert.equal(r.revision, SHA2);
});

test('unreachable hub: cached snapshot is used; otherwise a one-line error naming what is missing and the model setting', async () => {
  const hub = await hubP;
  const dead = `http://127.0.0.1:${await closedPort()}`;
  const cacheDir = join(root, 'c1'); // filled by the first test
  const fromCache = await resolveModel('org/tiny-bert', { cacheDir, hubUrl: dead });
  assert.equal(fromCache.revision, SHA);
  assert.equal(fromCache.folder, join(cacheDir, 'org--tiny-bert', SHA));
  assert.equal((await resolveModel('org/tiny-bert', { cacheDir, offline: true, hubUrl: hub.url })).revision, SHA);
  await assert.rejects(
    resolveModel('org/other', { cacheDir, hubUrl: dead }),
    oneLine(
      /^cannot reach the Hugging Face hub at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\) and org\/other@main is not in the cache \(missing config\.json, tokenizer\.json, model\.safetensors in .*\); download it where there is a connection and point the model at that folder instead, with config\.json, tokenizer\.json and model\.safetensors$/,
    ),
  );
  await assert.rejects(resolveModel('org/tiny-bert', { cacheDir: join(root, 'empty'), offline: true }), oneLine(/\(offline mode\)/));
});

test('hub errors: unknown model or revision, no safetensors', async () => {
  const hub = await hubP;
  const cacheDir = join(root, 'c4');
  await assert.rejects(
    resolveModel('org/nope', { cacheDir, hubUrl: hub.url }),
    oneLine(/org\/nope@main not found on http:\/\/127\.0\.0\.1:\d+ \(HTTP 404\); check the model id/),
  );
  await assert.rejects(resolveModel('org/tiny-bert', { cacheDir, hubUrl: hub.url, revision: 'v9' }), oneLine(/org\/tiny-bert@v9 not found/));
  await assert.rejects(
    resolveModel('org/bin-only', { cacheDir, hubUrl: hub.url }),
    oneLine(/has no model\.safetensors \(it has pytorch_model\.bin only: convert it to safetensors/),
  );
});

test('a local folder resolves the same way; missing files are named', async () => {
  const dir = join(root, 'local-bert');
  mkdirSync(dir);
  for (const f of ['config.json', 'tokenizer.json', 'model.safetensors'] as const) writeFileSync(join(dir, f), tiny.files[f]);
  const r = await resolveModel(dir);
  assert.equal(r.source, 'local');
  assert.equal(r.folder, dir);
  assert.deepEqual(
    r.files.map((f) => [f.name, f.sha256]),
    ['config.json', 'tokenizer.json', 'model.safetensors'].map((f) => [f, sha256(tiny.files[f])]),
  );
  // An older BERT checkpoint with vocab.txt instead of tokenizer.json is accepted.
  const old = join(root, 'old-bert');
  mkdirSync(old);
  for (const f of ['config.json', 'vocab.txt', 'model.safetensors'] as const) writeFileSync(join(old, f), tiny.files[f]);
  assert.deepEqual(
    (await resolveModel(old)).files.map((f) => f.name),
    ['config.json', 'vocab.txt', 'model.safetensors'],
  );
  const bad = join(root, 'bad-folder');
  mkdirSync(bad);
  writeFileSync(join(bad, 'config.json'), '{}');
  writeFileSync(join(bad, 'pytorch_model.bin'), 'x');
  await assert.rejects(resolveModel(bad), oneLine(/bad-folder has no tokenizer\.json, model\.safetensors \(pytorch_model\.bin is there: convert it/));
  await assert.rejects(
    resolveModel('./does/not/exist'),
    oneLine(/does\/not\/exist does not exist; give a hub id like bert-base-uncased or a folder with config\.json, tokenizer\.json and model\.safetensors/),
  );
});

test('a download in progress elsewhere (live pid in the lock) is not touched; a stale lock is taken over', async () => {
  const hub = await hubP;
  const cacheDir = join(root, 'c5');
  const folder = join(cacheDir, 'org--tiny-bert', SHA);
  mkdirSync(folder, { recursive: true });
  const lock = join(folder, 'model.safetensors.lock');
  writeFileSync(lock, String(process.ppid)); // the test runner: alive
  await assert.rejects(
    resolveModel('org/tiny-bert', { cacheDir, hubUrl: hub.url }),
    oneLine(new RegExp(`another process \\(pid ${process.ppid}\\) is downloading org/tiny-bert/model\\.safetensors`)),
  );
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  writeFileSync(lock, String(dead));
  const r = await resolveModel('org/tiny-bert', { cacheDir, hubUrl: hub.url });
  assert.equal(r.files.at(-1)!.sha256, sha256(weights));
  assert.ok(!existsSync(lock));
});
