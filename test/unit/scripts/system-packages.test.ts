// scripts/system-packages.mjs, the one list of Debian packages `npm test` (pretest) and .ci/run check: which
// packages count as missing (absent, removed, or Mesa older than 25), the commands that install them (the backports
// suite added from the machine's own mirror entry only when needed), the one line a user without root gets, and
// the script itself with a package faked missing.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Sp from '../../../scripts/system-packages.mjs' with { 'resolution-mode': 'import' };

// an ES module (it runs before npm ci has built anything): loaded with import() from this CommonJS test
let sp: typeof Sp;
before(async () => {
  sp = await import('../../../scripts/system-packages.mjs');
});

const DEB822 = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example.org/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;
const BACKPORTS = `Types: deb
URIs: http://mirror.example.org/debian
Suites: bookworm-backports
Components: main
`;
const ONE_LINE = `# the machine's list
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://ftp.example.net/debian bookworm main non-free
deb-src http://ftp.example.net/debian bookworm main
deb http://security.example.net/debian-security bookworm-security main
`;
const ALL_PRESENT = [
  'chromium\tinstall ok installed\t156.0.8078.114-1~deb12u1',
  'libkrb5-dev:amd64\tinstall ok installed\t1.20.1-2+deb12u5',
  'ripgrep\tinstall ok installed\t13.0.0-4+b2',
  'mesa-vulkan-drivers:amd64\tinstall ok installed\t25.0.7-2~bpo12+1',
  'python3-torch\tinstall ok installed\t1.13.1+dfsg-4',
].join('\n');
const names = (m: { name: string }[]) => m.map((p) => p.name);

test('the list: chromium, libkrb5-dev, ripgrep, mesa-vulkan-drivers >= 25 from bookworm-backports and python3-torch', () => {
  assert.deepEqual(names(sp.SYSTEM_PACKAGES), ['chromium', 'libkrb5-dev', 'ripgrep', 'mesa-vulkan-drivers', 'python3-torch']);
  const mesa = sp.SYSTEM_PACKAGES.find((p) => p.name === 'mesa-vulkan-drivers')!;
  assert.deepEqual([mesa.minMajor, mesa.fromBackports], [25, ['bookworm']]);
  assert.deepEqual([sp.majorOf('25.0.7-2~bpo12+1'), sp.majorOf('22.3.6-1+deb12u2'), sp.majorOf('1:26.1-1')], [25, 22, 26]);
  assert.ok(Number.isNaN(sp.majorOf('')));
});

test('missing: not installed, removed (config files left), Mesa older than 25, or faked missing', () => {
  assert.deepEqual(sp.missingPackages(sp.parseDpkgQuery(ALL_PRESENT)), []);
  const text = [
    'chromium\tinstall ok installed\t156.0.8078.114-1~deb12u1',
    'libkrb5-dev\tdeinstall ok config-files\t1.20.1-2+deb12u5', // apt-get remove leaves this
    'mesa-vulkan-drivers\tinstall ok installed\t22.3.6-1+deb12u2', // Debian 12's own: Dawn finds no adapter
  ].join('\n'); // ripgrep: dpkg-query knows nothing of it
  const m = sp.missingPackages(sp.parseDpkgQuery(text));
  assert.deepEqual(
    m.map((p) => [p.name, p.have]),
    [
      ['libkrb5-dev', ''],
      ['ripgrep', ''],
      ['mesa-vulkan-drivers', '22.3.6-1+deb12u2'],
      ['python3-torch', ''],
    ],
  );
  assert.deepEqual(names(sp.missingPackages(sp.parseDpkgQuery(ALL_PRESENT), ['chromium', 'mesa-vulkan-drivers'])), ['chromium', 'mesa-vulkan-drivers']);
});

test("install commands: the backports suite added from the main suite's own entry, apt-get update, two installs", () => {
  const present = sp.parseDpkgQuery(ALL_PRESENT);
  const entries = sp.parseSources([{ path: '/etc/apt/sources.list.d/debian.sources', text: DEB822 }]);
  assert.deepEqual(
    entries.map((e) => e.suites),
    [['bookworm', 'bookworm-updates'], ['bookworm-security']],
  );

  const both = sp.installPlan(sp.missingPackages(present, ['chromium', 'mesa-vulkan-drivers']), 'bookworm', entries);
  assert.deepEqual(both.commands, [
    'printf "%s\\n" "Types: deb" "URIs: http://mirror.example.org/debian" "Suites: bookworm-backports" "Components: main contrib" "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" > /etc/apt/sources.list.d/bookworm-backports.sources',
    'apt-get update -q',
    'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium',
    'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -t bookworm-backports mesa-vulkan-drivers',
  ]);
  // backports already configured: no new source entry
  const withBp = sp.parseSources([
    { path: 'a/debian.sources', text: DEB822 },
    { path: 'a/backports.sources', text: BACKPORTS },
  ]);
  assert.deepEqual(sp.installPlan(sp.missingPackages(present, ['mesa-vulkan-drivers']), 'bookworm', withBp).commands, [
    'apt-get update -q',
    'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -t bookworm-backports mesa-vulkan-drivers',
  ]);
  // nothing from backports: sources untouched
  assert.deepEqual(sp.installPlan(sp.missingPackages(present, ['ripgrep', 'libkrb5-dev']), 'bookworm', entries).commands, [
    'apt-get update -q',
    'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libkrb5-dev ripgrep',
  ]);
  // a release whose own Mesa is new enough installs it from its main suite
  assert.deepEqual(sp.installPlan(sp.missingPackages(present, ['mesa-vulkan-drivers']), 'trixie', []).commands, [
    'apt-get update -q',
    'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mesa-vulkan-drivers',
  ]);
  assert.deepEqual(sp.installPlan([], 'bookworm', entries).commands, []);
});

test('install commands from a one-line sources.list keep its mirror, options and components; no entry is a one-line error', () => {
  const present = sp.parseDpkgQuery(ALL_PRESENT);
  const entries = sp.parseSources([{ path: '/etc/apt/sources.list', text: ONE_LINE }]);
  assert.deepEqual(
    entries.map((e) => [e.types[0], e.suites[0]]),
    [
      ['deb', 'bookworm'],
      ['deb-src', 'bookworm'],
      ['deb', 'bookworm-security'],
    ],
  );
  const plan = sp.installPlan(sp.missingPackages(present, ['mesa-vulkan-drivers']), 'bookworm', entries);
  assert.equal(
    plan.commands![0],
    'printf "%s\\n" "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://ftp.example.net/debian bookworm-backports main non-free" > /etc/apt/sources.list.d/bookworm-backports.list',
  );
  const none = sp.installPlan(
    sp.missingPackages(present, ['mesa-vulkan-drivers']),
    'bookworm',
    sp.parseSources([{ path: 'x.list', text: 'deb http://deb.example/debian-security bookworm-security main\n' }]),
  );
  assert.ok(none.error && !none.error.includes('\n'), String(none.error));
  assert.match(none.error!, /^no apt source entry for Debian bookworm .*apt-get install -t bookworm-backports mesa-vulkan-drivers$/);
  // a disabled stanza is no source
  assert.equal(sp.parseSources([{ path: 'd.sources', text: `${BACKPORTS}Enabled: no\n` }]).length, 0);
});

test("the one line for a user without root runs, as written, the same commands: the backports file it writes is the mirror's", () => {
  const present = sp.parseDpkgQuery(ALL_PRESENT);
  const missing = sp.missingPackages(present, ['ripgrep', 'mesa-vulkan-drivers']);
  const entries = sp.parseSources([{ path: '/etc/apt/sources.list.d/debian.sources', text: DEB822 }]);
  const line = sp.missingLine(missing, sp.installPlan(missing, 'bookworm', entries).commands!);
  assert.ok(!line.includes('\n'));
  assert.match(line, /^system packages for the tests missing: ripgrep, mesa-vulkan-drivers; install them as root with: sudo sh -c '.*'$/);
  const old = sp.missingPackages(sp.parseDpkgQuery('mesa-vulkan-drivers\tinstall ok installed\t22.3.6-1+deb12u2'));
  assert.match(sp.missingLine(old, ['true']), /mesa-vulkan-drivers 22\.3\.6-1\+deb12u2 \(need >= 25\)/);
  assert.match(sp.missingLine(missing, ['true'], { sudo: false }), /with: su root -c true$/);

  // run the line's command in a sandbox: sources.list.d is a temporary folder, apt-get only echoes
  const dir = mkdtempSync(join(tmpdir(), 'gft-syspkg-'));
  try {
    const command = line
      .slice(line.indexOf('with: sudo ') + 'with: sudo '.length)
      .replaceAll('/etc/apt/sources.list.d/', `${dir}/`)
      .replaceAll('apt-get ', 'echo apt-get ');
    const r = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      'apt-get update -q',
      'apt-get install -y -q --no-install-recommends ripgrep',
      'apt-get install -y -q --no-install-recommends -t bookworm-backports mesa-vulkan-drivers',
    ]);
    assert.deepEqual(readdirSync(dir), ['bookworm-backports.sources']);
    const text = readFileSync(join(dir, 'bookworm-backports.sources'), 'utf8');
    const [bp] = sp.parseSources([{ path: 'bookworm-backports.sources', text }]);
    assert.deepEqual([bp.types, bp.uris, bp.suites], [['deb'], ['http://mirror.example.org/debian'], ['bookworm-backports']]);
    assert.match(text, /^Components: main contrib$/m);
    assert.match(text, /^Signed-By: \/usr\/share\/keyrings\/debian-archive-keyring\.gpg$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the script with a package faked missing and install turned off stops with the one line and exit 1; otherwise exit 0', (t) => {
  if (spawnSync('dpkg-query', ['--version']).error) {
    t.skip('no dpkg-query on this machine: the script checks Debian packages');
    return;
  }
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['scripts/system-packages.mjs'], { encoding: 'utf8', env: { ...process.env, ...env } });
  const r = run({ GFT_SYSTEM_PACKAGES: 'check', GFT_FAKE_MISSING_PACKAGES: 'ripgrep' });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(
    lines[0],
    /^system-packages: system packages for the tests missing: (.*, )?ripgrep(, .*)?; install them as root with: (sudo sh|su root) -c '.*apt-get install -y -q --no-install-recommends (\S+ )*ripgrep/,
  );
  const ok = run({ GFT_SYSTEM_PACKAGES: 'check' });
  const real = sp.missingPackages(
    sp.parseDpkgQuery(spawnSync('dpkg-query', ['-W', '-f', '${Package}\t${Status}\t${Version}\n', ...names(sp.SYSTEM_PACKAGES)], { encoding: 'utf8' }).stdout),
  );
  assert.equal(ok.status, real.length === 0 ? 0 : 1, ok.stderr);
  const skipped = run({ GFT_SYSTEM_PACKAGES: 'skip', GFT_FAKE_MISSING_PACKAGES: 'ripgrep' });
  assert.equal(skipped.status, 0);
});
