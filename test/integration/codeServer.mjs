// What the integration runners share about code-server: its binary (installed into .cache/ on first use by
// scripts/setup-code-server.sh) and a free local port to bind it to.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The code-server binary under <root>/.cache, installed first if missing. */
export function ensureCodeServer(root, log) {
  const bin = join(root, '.cache', 'code-server', 'node_modules', '.bin', 'code-server');
  if (!existsSync(bin)) {
    log('installing code-server (scripts/setup-code-server.sh)');
    const r = spawnSync('bash', [join(root, 'scripts', 'setup-code-server.sh')], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('code-server setup failed; see the message above');
  }
  return bin;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}
