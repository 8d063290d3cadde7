// The Debian packages the tests need: the one list, checked by `npm test` (its pretest step) and by .ci/run before
// any test starts. Each package is looked up with dpkg-query; missing ones (or a too-old Mesa) are installed when this
// runs as root with apt (adding the release's backports suite from the machine's own Debian mirror entry when a
// package must come from it, and running `apt-get update` only then); otherwise it prints ONE line with the exact
// command to run as root and exits 1.
// Usage: node scripts/system-packages.mjs
// Environment: GFT_SYSTEM_PACKAGES=skip skips the check (a machine without dpkg that has the equivalents);
//   GFT_SYSTEM_PACKAGES=check only checks, never installs (prints the line and exits 1 if something is missing);
//   GFT_FAKE_MISSING_PACKAGES=a,b (tests only) treats those packages as missing in the first check.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the tests need, and why. fromBackports: the releases whose own version is too old. */
export const SYSTEM_PACKAGES = [
  { name: 'chromium', why: 'the browser the integration tests drive' },
  { name: 'libkrb5-dev', why: "code-server's kerberos module builds against it" },
  { name: 'ripgrep', why: "code-server's search (its rg is copied from Debian's)" },
  {
    name: 'mesa-vulkan-drivers',
    minMajor: 25,
    fromBackports: ['bookworm'],
    why: 'lavapipe, the software Vulkan device the WebGPU tests run on (Dawn finds no adapter with Mesa < 25)',
  },
  { name: 'python3-torch', why: "the Trainer-job dry run: an exported job's train.py runs under a plain-torch transformers stand-in" },
];

/** dpkg-query -W -f '${Package}\t${Status}\t${Version}\n' output -> Map name -> version ('' when not installed). */
export function parseDpkgQuery(text) {
  const installed = new Map();
  for (const line of text.split('\n')) {
    const [name, status, version] = line.split('\t');
    if (!name || status === undefined) continue;
    installed.set(name.replace(/:.*$/, ''), status.trim().endsWith(' installed') ? (version ?? '').trim() : '');
  }
  return installed;
}

/** The upstream major version of a Debian version string ('1:25.0.7-2~bpo12+1' -> 25), NaN when there is none. */
export function majorOf(version) {
  const m = /^(?:\d+:)?(\d+)/.exec(version);
  return m ? Number(m[1]) : NaN;
}

/**
 * The packages to install: not installed, or older than minMajor. fakeMissing names packages to treat as not
 * installed (tests). Each entry: { name, why, have } (have: the installed version that is too old, or '').
 */
export function missingPackages(installed, fakeMissing = [], list = SYSTEM_PACKAGES) {
  const out = [];
  for (const p of list) {
    const have = fakeMissing.includes(p.name) ? '' : (installed.get(p.name) ?? '');
    if (!have) out.push({ ...p, have: '' });
    else if (p.minMajor && !(majorOf(have) >= p.minMajor)) out.push({ ...p, have });
  }
  return out;
}

/**
 * apt's source entries from the files' texts ({ path, text }): deb822 stanzas (*.sources) and one-line entries
 * (sources.list, *.list). Each: { format: 'deb822' | 'line', types, uris, suites, text } where text is the stanza
 * or the line itself. Disabled stanzas (Enabled: no) and comments are left out.
 */
export function parseSources(files) {
  const entries = [];
  for (const { path, text } of files) {
    if (path.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const lines = stanza.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
        const fields = {};
        let key;
        for (const l of lines) {
          if (/^\s/.test(l) && key) fields[key] += `\n${l}`;
          else {
            const i = l.indexOf(':');
            if (i < 0) continue;
            key = l.slice(0, i).trim().toLowerCase();
            fields[key] = l.slice(i + 1).trim();
          }
        }
        if (!fields.types || !fields.uris || !fields.suites) continue;
        if (/^(no|false)$/i.test(fields.enabled ?? '')) continue;
        entries.push({
          format: 'deb822',
          types: fields.types.split(/\s+/),
          uris: fields.uris.split(/\s+/),
          suites: fields.suites.split(/\s+/),
          text: lines.join('\n'),
        });
      }
    } else {
      for (const raw of text.split('\n')) {
        const line = raw.replace(/#.*$/, '').trim();
        const m = /^(deb|deb-src)\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
        if (m) entries.push({ format: 'line', types: [m[1]], uris: [m[2]], suites: [m[3]], text: line });
      }
    }
  }
  return entries;
}

/** The file text that adds `suite` with the same mirror, components and keys as the entries for `codename`. */
export function backportsEntry(entries, codename, suite) {
  const main = entries.filter((e) => e.types.includes('deb') && e.suites.includes(codename));
  if (main.length === 0) return undefined;
  const deb822 = main.filter((e) => e.format === 'deb822');
  if (deb822.length > 0) {
    const text = deb822
      .map((e) =>
        e.text
          .split('\n')
          .map((l) => (/^suites\s*:/i.test(l) ? `Suites: ${suite}` : /^types\s*:/i.test(l) ? 'Types: deb' : l))
          .join('\n'),
      )
      .join('\n\n');
    return { file: `/etc/apt/sources.list.d/${suite}.sources`, text: `${text}\n` };
  }
  const lines = main.map((e) => e.text.replace(/^(deb\s+(?:\[[^\]]*\]\s+)?\S+\s+)\S+/, `$1${suite}`));
  return { file: `/etc/apt/sources.list.d/${suite}.list`, text: `${lines.join('\n')}\n` };
}

/** A word for sh, single-quoted when it needs quoting. */
export function shQuote(s) {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A word for sh, double-quoted when that is safe (so the whole command reads well inside sh -c '...'). */
function wordQuote(s) {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : /^[^$`"\\!']*$/.test(s) ? `"${s}"` : shQuote(s);
}

/**
 * The shell commands (run in order by sh as root) that install `missing` on a Debian release `codename` whose apt
 * sources are `entries`. { commands } or { error } (one line) when the backports suite cannot be derived.
 */
export function installPlan(missing, codename, entries) {
  if (missing.length === 0) return { commands: [] };
  const apt = 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends';
  const plain = missing.filter((p) => !p.fromBackports?.includes(codename)).map((p) => p.name);
  const backports = missing.filter((p) => p.fromBackports?.includes(codename)).map((p) => p.name);
  const commands = [];
  const suite = `${codename}-backports`;
  if (backports.length > 0 && !entries.some((e) => e.types.includes('deb') && e.suites.includes(suite))) {
    const add = backportsEntry(entries, codename, suite);
    if (!add)
      return {
        error: `no apt source entry for Debian ${codename} to take the mirror from: add the ${suite} suite of your Debian mirror to /etc/apt/sources.list.d/, then run as root: apt-get update && apt-get install -t ${suite} ${backports.join(' ')}`,
      };
    commands.push(`printf "%s\\n" ${add.text.trimEnd().split('\n').map(wordQuote).join(' ')} > ${add.file}`);
  }
  commands.push('apt-get update -q');
  if (plain.length > 0) commands.push(`${apt} ${plain.join(' ')}`);
  if (backports.length > 0) commands.push(`${apt} -t ${suite} ${backports.join(' ')}`);
  return { commands };
}

/** The one line for a user who cannot install: what is missing and the exact command to run. */
export function missingLine(missing, commands, { sudo = true } = {}) {
  const what = missing.map((p) => (p.have ? `${p.name} ${p.have} (need >= ${p.minMajor})` : p.name)).join(', ');
  const script = commands.join(' && ');
  const run = sudo ? `sudo sh -c ${shQuote(script)}` : `su root -c ${shQuote(script)}`;
  return `system packages for the tests missing: ${what}; install them as root with: ${run}`;
}

function codenameOf(osRelease) {
  return (/^VERSION_CODENAME=["']?([\w-]+)/m.exec(osRelease) ?? [])[1];
}

function readSources() {
  const files = [];
  const add = (path) => {
    try {
      files.push({ path, text: readFileSync(path, 'utf8') });
    } catch {
      // unreadable: not ours to fix
    }
  };
  if (existsSync('/etc/apt/sources.list')) add('/etc/apt/sources.list');
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir)) for (const f of readdirSync(dir).sort()) if (/\.(list|sources)$/.test(f)) add(join(dir, f));
  return files;
}

function queryInstalled() {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${Package}\t${Status}\t${Version}\n', ...SYSTEM_PACKAGES.map((p) => p.name)], { encoding: 'utf8' });
  if (r.error) return undefined; // no dpkg-query
  return parseDpkgQuery(r.stdout ?? '');
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function main() {
  const tag = 'system-packages';
  if (process.env.GFT_SYSTEM_PACKAGES === 'skip') {
    console.log(`${tag}: check skipped (GFT_SYSTEM_PACKAGES=skip)`);
    return 0;
  }
  const installed = queryInstalled();
  if (!installed) {
    console.error(
      `${tag}: no dpkg-query here, so the check knows no package names: install Chromium (or set CHROMIUM_PATH), ripgrep, the Kerberos headers, Mesa >= 25's Vulkan drivers and PyTorch for python3, then run with GFT_SYSTEM_PACKAGES=skip`,
    );
    return 1;
  }
  const fake = (process.env.GFT_FAKE_MISSING_PACKAGES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const missing = missingPackages(installed, fake);
  if (missing.length === 0) {
    const mesa = installed.get('mesa-vulkan-drivers');
    console.log(`${tag}: ${SYSTEM_PACKAGES.map((p) => p.name).join(', ')} installed${mesa ? ` (mesa ${mesa})` : ''}`);
    return 0;
  }
  const codename = codenameOf(existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '') ?? 'unknown';
  const plan = installPlan(missing, codename, parseSources(readSources()));
  if (plan.error) {
    console.error(`${tag}: ${plan.error}`);
    return 1;
  }
  const root = process.getuid?.() === 0;
  if (!root || !has('apt-get') || process.env.GFT_SYSTEM_PACKAGES === 'check') {
    console.error(`${tag}: ${missingLine(missing, plan.commands, { sudo: has('sudo') })}`);
    return 1;
  }
  console.log(`${tag}: installing ${missing.map((p) => p.name).join(', ')} (for ${missing.map((p) => p.why).join('; ')})`);
  for (const c of plan.commands) {
    console.log(`${tag}: ${c}`);
    const r = spawnSync('sh', ['-c', c], { stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`${tag}: this command failed (exit ${r.status}); see apt's message above: ${c}`);
      return 1;
    }
  }
  const still = missingPackages(queryInstalled() ?? new Map());
  if (still.length > 0) {
    console.error(`${tag}: still missing after the install: ${still.map((p) => (p.have ? `${p.name} ${p.have} (need >= ${p.minMajor})` : p.name)).join(', ')}`);
    return 1;
  }
  console.log(`${tag}: installed; mesa-vulkan-drivers ${queryInstalled()?.get('mesa-vulkan-drivers')}`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main();
