// The suite's temporary files do not outlive it: scripts/private-tmpdir.mjs gives each process a temp folder of its
// own and removes it at exit; test/unit/tempDir.ts removes a test's folder when that test ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { tempDir } from '../tempDir';

test('a process loaded with scripts/private-tmpdir.mjs writes under a folder of its own, gone when it exits', (t) => {
  const outer = tempDir(t, 'gft-privtmp-');
  const code = [
    "const os = require('node:os'), fs = require('node:fs'), path = require('node:path');",
    "fs.mkdirSync(path.join(os.tmpdir(), 'run', 'checkpoints'), { recursive: true });",
    "fs.writeFileSync(path.join(os.tmpdir(), 'run', 'checkpoints', 'w.bin'), Buffer.alloc(4096));",
    'console.log(os.tmpdir());',
  ].join(' ');
  const r = spawnSync(process.execPath, ['--import', './scripts/private-tmpdir.mjs', '-e', code], { env: { ...process.env, TMPDIR: outer }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const used = r.stdout.trim();
  assert.equal(dirname(used), outer, 'the private folder is made inside the temp folder the process was given');
  assert.match(basename(used), /^gft-test-/);
  assert.equal(existsSync(used), false, 'removed at exit');
  assert.deepEqual(readdirSync(outer), []);
});

test('tempDir: the folder lives while its test runs and is removed when the test ends', async (t) => {
  let kept = '';
  await t.test('a test that writes into its folder', (st) => {
    kept = tempDir(st, 'gft-tempdir-');
    writeFileSync(join(kept, 'f'), 'x');
    assert.ok(existsSync(join(kept, 'f')));
  });
  assert.notEqual(kept, '');
  assert.equal(existsSync(kept), false);
});
