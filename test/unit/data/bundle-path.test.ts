// The extension ships data/ beside dist/: a bundled loader must find the packed dataset at dist/../data, wherever
// the extension is installed. Bundles the loader with esbuild into <tmp>/dist/ next to a <tmp>/data link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

test('a bundle in <install>/dist finds <install>/data/movie-reviews.jsonl.gz', async () => {
  const install = mkdtempSync(join(tmpdir(), 'gft-install-'));
  mkdirSync(join(install, 'dist'));
  symlinkSync(resolve('data'), join(install, 'data'), 'dir');
  const outfile = join(install, 'dist', 'host.js');
  await build({ entryPoints: ['src/host/data/builtin.ts'], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile, logLevel: 'warning' });
  const saved = process.env.GFT_DATA_DIR;
  delete process.env.GFT_DATA_DIR;
  try {
    const bundled = createRequire(__filename)(outfile) as typeof import('../../../src/host/data/builtin');
    assert.equal(bundled.dataDirCandidates()[0], join(install, 'data'));
    assert.equal(bundled.findDataFile('movie-reviews.jsonl.gz'), join(install, 'data', 'movie-reviews.jsonl.gz'));
    assert.equal(bundled.loadBuiltin('movie-reviews').examples.length, 2000);
  } finally {
    if (saved !== undefined) process.env.GFT_DATA_DIR = saved;
  }
});
