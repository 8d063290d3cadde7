// `npm run ui`: VS Code (code-server 4.100.3, offline) in the browser with this extension loaded from the repo,
// on a workspace folder. Prints the URL to open; Ctrl+C stops everything.
// Usage: node scripts/ui.mjs [workspace-folder] [--port N]   (default workspace: .cache/ui-workspace)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, URLSearchParams } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const portArg = argv.indexOf('--port');
const port = portArg >= 0 ? Number(argv[portArg + 1]) : Number(process.env.PORT ?? 3210);
const wsArg = argv.find((a, i) => !a.startsWith('--') && argv[i - 1] !== '--port');
const ws = resolve(wsArg ?? join(root, '.cache', 'ui-workspace'));
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`ui: --port must be a port number (got ${argv[portArg + 1]})`);
  process.exit(2);
}

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run('bash', [join(root, 'scripts', 'setup-code-server.sh')]);
run(process.execPath, [join(root, 'scripts', 'build.mjs')]);

const state = join(root, '.cache', 'ui-state');
mkdirSync(join(state, 'ud', 'User'), { recursive: true });
mkdirSync(ws, { recursive: true });
const settings = join(state, 'ud', 'User', 'settings.json');
if (!existsSync(settings)) {
  writeFileSync(
    settings,
    JSON.stringify({ 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false, 'telemetry.telemetryLevel': 'off' }, null, 2),
  );
}
writeFileSync(join(state, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);

const bin = join(root, '.cache', 'code-server', 'node_modules', '.bin', 'code-server');
const child = spawn(
  bin,
  [
    '--config',
    join(state, 'config.yaml'),
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir',
    join(state, 'ud'),
    '--extensions-dir',
    join(state, 'ext'),
  ],
  { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, EXTENSIONS_GALLERY: '{"serviceUrl":""}' } },
);

const payload = [
  ['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${root}`],
  ['skipWelcome', 'true'],
];
const url = `http://127.0.0.1:${port}/?${new URLSearchParams({ folder: ws, payload: JSON.stringify(payload) })}`;
for (let i = 0; i < 120; i++) {
  try {
    if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
  } catch {
    // not up yet
  }
  await new Promise((r) => setTimeout(r, 250));
}
console.log(`\nGuided Fine-Tune in VS Code: ${url}\n(workspace ${ws}; Ctrl+C to stop)`);
const stop = () => {
  child.kill('SIGTERM');
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
child.on('exit', (code) => process.exit(code ?? 0));
