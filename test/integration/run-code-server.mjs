// Integration tests in a real VS Code, offline: code-server 4.100.3 (VS Code 1.100.3) driven by Chromium through
// playwright-core. Two sessions in one code-server:
//   1. extension-host tests: the workbench loads this repo as the development extension and runs
//      out/integration/suite/index.js (test/integration/suite/*.ts) inside the extension host;
//   2. page tests (test/integration/page-tests.mjs): a normal window with the extension, driven like a user
//      (activity bar, command palette, tree, webview), with screenshots into out/screenshots/.
// Writes out/integration-summary.json {passed, failed, skipped, skips} (read by scripts/test-summary.mjs for .ci/run's
// closing line) and exits non-zero on any failure. A page test that cannot run calls ctx.skip(reason) (skip.mjs).
// Usage: node test/integration/run-code-server.mjs [--only-host | --only-page] [--headed] [--update-screenshots]
//   --update-screenshots copies the page tests' screenshots to media/screenshots/ (for the README).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, URLSearchParams } from 'node:url';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { pageTests as corePageTests } from './page-tests.mjs';
import { ensureCodeServer, freePort } from './codeServer.mjs';
import { isSkip, skip } from './skip.mjs';

/**
 * Page tests: page-tests.mjs first, then every page-tests-<feature>.mjs in name order (each exports pageTests).
 * GFT_PAGE_TESTS=<substring>[|<substring>...] runs only the tests whose name contains one of them (tests share one window, so a test that
 * needs an earlier one's run must be selected with it).
 */
async function loadPageTests() {
  const dir = dirname(fileURLToPath(import.meta.url));
  const extra = readdirSync(dir)
    .filter((f) => /^page-tests-.+\.mjs$/.test(f))
    .sort();
  const all = [...corePageTests];
  for (const f of extra) all.push(...(await import(join(dir, f))).pageTests);
  const only = process.env.GFT_PAGE_TESTS;
  const wanted = only?.toLowerCase().split('|').filter(Boolean);
  return wanted ? all.filter((t) => wanted.some((w) => t.name.toLowerCase().includes(w))) : all;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const out = join(root, 'out');
const suiteOut = join(out, 'integration', 'suite');
const shots = join(out, 'screenshots');
const args = new Set(process.argv.slice(2));
const HOST_TIMEOUT_MS = 240_000;
const t0 = Date.now();
const log = (msg) => console.log(`[it ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

let server;
let browser;
let tmp;

function newestMtime(dir) {
  let m = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    m = Math.max(m, s.isDirectory() ? newestMtime(p) : s.mtimeMs);
  }
  return m;
}

function ensureBuilt() {
  const bundle = join(root, 'dist', 'extension.js');
  const sources = Math.max(newestMtime(join(root, 'src')), newestMtime(join(root, 'webview')));
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < sources || !existsSync(join(root, 'dist', 'webview.js'))) {
    log('dist/ is missing or older than src/: building');
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('build failed');
  }
}

async function buildSuite() {
  rmSync(join(out, 'integration'), { recursive: true, force: true });
  const dir = join(root, 'test', 'integration', 'suite');
  const entryPoints = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f));
  await esbuild.build({
    entryPoints,
    outdir: suiteOut,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  // The run-folder writer for the page tests (the suite bundles its own copy).
  await esbuild.build({
    entryPoints: [join(root, 'test', 'integration', 'runWriter.ts')],
    outfile: join(out, 'integration', 'runWriter.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
  });
}

async function startCodeServer(bin, settings) {
  const port = await freePort();
  const ud = join(tmp, 'ud');
  mkdirSync(join(ud, 'User'), { recursive: true });
  writeFileSync(
    join(ud, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'security.workspace.trust.enabled': false,
        'workbench.tips.enabled': false,
        'extensions.ignoreRecommendations': true,
        'telemetry.telemetryLevel': 'off',
        'window.commandCenter': false,
        ...settings,
      },
      null,
      2,
    ),
  );
  writeFileSync(join(tmp, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const logFile = join(out, 'integration', 'code-server.log');
  const fd = openSync(logFile, 'w');
  const child = spawn(
    bin,
    [
      '--config',
      join(tmp, 'config.yaml'),
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
      join(tmp, 'ext'),
    ],
    {
      detached: true, // its own process group, so the extension hosts and the training host die with it
      stdio: ['ignore', fd, fd],
      env: { ...process.env, EXTENSIONS_GALLERY: '{"serviceUrl":""}', GFT_INTEGRATION: '1' },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; see ${logFile}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { child, port, url, logFile };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer /healthz within 60 s; see ${logFile}`);
}

function stopCodeServer() {
  if (!server?.child?.pid) return;
  for (const sig of ['SIGTERM', 'SIGKILL']) {
    try {
      process.kill(-server.child.pid, sig);
    } catch {
      return; // the group is gone
    }
    spawnSync('sleep', ['0.5']);
  }
}

function workspaceUrl(ws, payload) {
  const q = new URLSearchParams({ folder: ws });
  if (payload) q.set('payload', JSON.stringify(payload));
  return `${server.url}/?${q.toString()}`;
}

function freshWorkspace(name) {
  const ws = join(tmp, name);
  cpSync(join(root, 'test', 'fixtures', 'workspace'), ws, { recursive: true });
  return ws;
}

async function newPage(onLog) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => onLog?.('pageerror', String(e)));
  // Errors from any frame, the webviews included.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/gallery|Failed to load resource|service worker/i.test(m.text())) onLog?.('console', m.text());
  });
  return { context, page };
}

/** Session 1: the extension-host suite, with VS Code's own test contract (extensionTestsPath). */
async function runHostSuite() {
  const ws = freshWorkspace('ws-host');
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(root)],
    ['extensionTestsPath', remote(join(suiteOut, 'index.js'))],
    ['skipWelcome', 'true'],
  ];
  const { context, page } = await newPage();
  let resolveExit;
  const exited = new Promise((r) => {
    resolveExit = r;
  });
  await page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));
  await page.exposeFunction('codeAutomationLog', (type, argsJson) => {
    const parts = Array.isArray(argsJson) ? argsJson : [argsJson];
    const text = parts.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
    if (type === 'error') console.error(`  [ext host] ${text}`);
    else console.log(`  [ext host] ${text}`);
  });
  await page.goto(workspaceUrl(ws, payload));
  const timer = new Promise((r) => setTimeout(() => r('timeout'), HOST_TIMEOUT_MS));
  const code = await Promise.race([exited, timer]);
  await page.screenshot({ path: join(shots, 'host-suite-end.png') }).catch(() => {});
  await context.close();
  const resultsFile = join(out, 'integration', 'results.json');
  if (code === 'timeout') {
    log(`extension-host suite did not finish within ${HOST_TIMEOUT_MS / 1000} s`);
    return { passed: 0, failed: 1, skipped: 0, skips: [] };
  }
  if (!existsSync(resultsFile)) {
    log(`extension-host suite exited with ${code} without writing results (did the extension host start?)`);
    return { passed: 0, failed: 1, skipped: 0, skips: [] };
  }
  const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
  log(`extension-host suite: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped (exit code ${code})`);
  const skips = r.skips.map((s) => ({ name: `host / ${s.name}`, reason: s.reason }));
  return { passed: r.passed, failed: r.failed + (code !== 0 && r.failed === 0 ? 1 : 0), skipped: skips.length, skips };
}

/** Session 2: a normal window with the extension, driven from the page like a user would. */
async function runPageTests() {
  const ws = freshWorkspace('ws-page');
  const payload = [
    ['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${root}`],
    ['skipWelcome', 'true'],
  ];
  const { context, page } = await newPage((kind, text) => console.error(`  [page] ${kind}: ${text}`));
  const settingsFile = join(tmp, 'ud', 'User', 'settings.json');
  const ctx = {
    page,
    ws,
    root,
    log,
    writeRun: createRequire(import.meta.url)(join(out, 'integration', 'runWriter.js')),
    skip, // ctx.skip(reason): this test cannot run here; counted as skipped with the reason
    // VS Code applies user settings.json edits live (e.g. the colour theme).
    setSettings: (patch) => writeFileSync(settingsFile, JSON.stringify({ ...JSON.parse(readFileSync(settingsFile, 'utf8')), ...patch }, null, 2)),
    url: (extraPayload = []) => workspaceUrl(ws, [...payload, ...extraPayload]),
    screenshot: async (name) => {
      const file = join(shots, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
  };
  await page.goto(ctx.url());
  let passed = 0;
  let failed = 0;
  const skips = [];
  for (const t of await loadPageTests()) {
    const s = Date.now();
    try {
      await t.run(ctx);
      passed++;
      log(`  ok   page / ${t.name} (${Date.now() - s} ms)`);
    } catch (e) {
      if (isSkip(e)) {
        skips.push({ name: `page / ${t.name}`, reason: e.message });
        log(`  skip page / ${t.name}: ${e.message}`);
        continue;
      }
      failed++;
      log(
        `  FAIL page / ${t.name}\n${String(e?.stack ?? e)
          .split('\n')
          .slice(0, 8)
          .join('\n')}`,
      );
      await page.screenshot({ path: join(shots, `FAILED-${t.name.replace(/[^a-z0-9]+/gi, '-')}.png`) }).catch(() => {});
    }
  }
  await context.close();
  log(`page tests: ${passed} passed, ${failed} failed, ${skips.length} skipped`);
  return { passed, failed, skipped: skips.length, skips };
}

async function main() {
  mkdirSync(shots, { recursive: true });
  ensureBuilt();
  await buildSuite();
  const bin = ensureCodeServer(root, log);
  tmp = mkdtempSync(join(tmpdir(), 'gft-it-'));
  server = await startCodeServer(bin, {});
  log(`code-server up at ${server.url} (log: ${server.logFile})`);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: !args.has('--headed'),
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
  const totals = { passed: 0, failed: 0, skipped: 0, skips: [] };
  const add = (r) => {
    totals.passed += r.passed;
    totals.failed += r.failed;
    totals.skipped += r.skipped;
    totals.skips.push(...r.skips);
  };
  if (!args.has('--only-page')) add(await runHostSuite());
  if (!args.has('--only-host')) add(await runPageTests());
  if (args.has('--update-screenshots') && totals.failed === 0) {
    const media = join(root, 'media', 'screenshots');
    mkdirSync(media, { recursive: true });
    // The ones the README shows (every media/screenshots/*.png it links); the others stay in out/screenshots.
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const keep = [...new Set([...readme.matchAll(/media\/screenshots\/([\w.-]+\.png)/g)].map((m) => m[1]))];
    for (const f of keep.filter((n) => existsSync(join(shots, n)))) cpSync(join(shots, f), join(media, f));
    log(`screenshots copied to ${media}`);
  }
  return totals;
}

let summary;
try {
  summary = await main();
} catch (e) {
  console.error(`integration: ${e?.message ?? e}`);
  summary = { passed: 0, failed: 1, skipped: 0, skips: [] };
} finally {
  await browser?.close().catch(() => {});
  stopCodeServer();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}
summary.seconds = Math.round((Date.now() - t0) / 1000);
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'integration-summary.json'), JSON.stringify(summary));
for (const s of summary.skips) console.log(`integration: skipped ${s.name}: ${s.reason}`);
console.log(`integration: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped in ${summary.seconds} s`);
process.exit(summary.failed > 0 ? 1 : 0);
