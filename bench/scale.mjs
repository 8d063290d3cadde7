#!/usr/bin/env node
// `npm run bench:scale`: how each stage's cost grows with the dataset. For N rows of the scale fixture
// (scripts/scale-fixture.mjs: seeded, each row 60% of one built-in review's sentences), each stage runs in its
// own process under /usr/bin/time, which gives its wall time, CPU time (user + sys) and peak RSS (maxRSS):
//   import     gft data --data FILE (read, checks, split)
//   tfidf      gft baseline --kind tfidf (features, C from 1/10/100 on validation, test predictions, run folder)
//   sklearn    bench/sklearn_tfidf.py on the same file and split (when Debian's python3-sklearn is installed)
//   embed      frozen starter embeddings of --embed-sample training texts: reviews per second (the full baseline
//              would take N / that rate; its memory is bounded by the streaming group)
//   tokenize   one fine-tuning epoch's data: the training split tokenized (starter, head, 128) into the token cache
//              file as training does, and one epoch of shuffled batches read from it; also the memory the
//              tokenized split holds (heap + array buffers after a GC, against the same once the data is loaded)
//   tokmem     the same with every encoded row kept in memory (how training held them before): tokenize's peer
//   results    the TF-IDF run's test predictions (N/5): metrics with bootstrap CIs, a paired comparison (McNemar)
//   report     gft reflect over the runs folder (the baseline's test predictions) without latency timing
//   demoreport the demo's comparison report (report.md/json, limits and latency aside) of the baseline run and a
//              copy with 5% of its test predictions flipped
// Usage: node bench/scale.mjs [--sizes 2000,10000,50000] [--stages import,tfidf,sklearn,embed,tokenize,tokmem,results,report,demoreport]
//                             [--embed-sample 128] [--out bench/results/scale-<date>.json] [--dir /tmp/gft-scale]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeScaleCsv } from '../scripts/scale-fixture.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const sizes = opt('sizes', '2000,10000,50000').split(',').map(Number);
const stages = opt('stages', 'import,tfidf,sklearn,embed,tokenize,tokmem,results,report,demoreport').split(',');
const embedSample = Number(opt('embed-sample', '128'));
const dir = opt('dir', '/tmp/gft-scale');
const python = '/usr/bin/python3';
const out = opt('out', join(root, 'bench', 'results', `scale-${new Date().toISOString().slice(0, 10)}.json`));
if (!existsSync('/usr/bin/time')) {
  console.error("bench:scale needs /usr/bin/time (apt-get install -y time) for each stage's peak memory");
  process.exit(2);
}
const haveSklearn = spawnSync(python, ['-c', 'import sklearn'], { stdio: 'ignore' }).status === 0;
const gft = join(root, 'bin', 'gft.js');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

/** Runs a command under /usr/bin/time; returns wall/cpu seconds, peak RSS (MB), stdout's last line parsed when JSON. */
function measure(cmd, cmdArgs, env = {}) {
  const tf = join(dir, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-o', tf, '-f', '%e %U %S %M', cmd, ...cmdArgs], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, ...env },
  });
  const load = loadavg()[0];
  if (r.status !== 0) throw new Error(`${cmd} ${cmdArgs.join(' ')} failed (${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  const [wall, user, sys, kb] = readFileSync(tf, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  let result;
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    result = JSON.parse(last);
  } catch {
    result = undefined;
  }
  return { wallS: wall, cpuS: user + sys, maxRssMB: kb / 1024, load1: load, result };
}

const rows = [];
mkdirSync(dir, { recursive: true });
console.log(
  `bench:scale — sizes ${sizes.join(', ')}; stages ${stages.join(', ')}; scikit-learn ${haveSklearn ? 'installed' : 'not installed (apt-get install -y python3-sklearn)'}; load ${loadavg()
    .map((v) => v.toFixed(1))
    .join(' ')}`,
);
for (const n of sizes) {
  const csv = join(dir, `reviews-${n}.csv`);
  if (!existsSync(csv)) await writeScaleCsv(csv, n);
  const runs = join(dir, `runs-${n}`);
  if (stages.includes('tfidf')) rmSync(runs, { recursive: true, force: true });
  mkdirSync(runs, { recursive: true });
  const row = { n };
  const stage = (name, fn) => {
    if (!stages.includes(name)) return;
    try {
      row[name] = fn();
      const m = row[name];
      console.log(
        `N=${n} ${name.padEnd(8)} wall ${m.wallS.toFixed(1)} s, cpu ${m.cpuS.toFixed(1)} s, peak ${m.maxRssMB.toFixed(0)} MB, load ${m.load1.toFixed(1)}${m.result ? `  ${JSON.stringify(m.result).slice(0, 160)}` : ''}`,
      );
    } catch (e) {
      row[name] = { error: e.message };
      console.log(`N=${n} ${name}: ${e.message}`);
    }
  };
  stage('import', () => measure('node', [gft, 'data', '--data', csv, '--json']));
  stage('tfidf', () => {
    const m = measure('node', [gft, 'baseline', '--kind', 'tfidf', '--data', csv, '--out', join(runs, 'tfidf'), '--json']);
    const log = readFileSync(join(runs, 'tfidf', 'log.txt'), 'utf8');
    m.result = {
      log: log
        .split('\n')
        .filter((l) => /TF-IDF:|C=\d+:|^.*test:/.test(l))
        .map((l) => l.slice(25)),
    };
    return m;
  });
  if (haveSklearn)
    stage('sklearn', () =>
      measure(python, [join(root, 'bench', 'sklearn_tfidf.py'), csv, join(runs, 'tfidf', 'split.json')], { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' }),
    );
  stage('embed', () => measure(tsx, [join(root, 'bench', 'scaleStage.ts'), 'embed', csv, String(embedSample)]));
  stage('tokenize', () => measure(tsx, ['--expose-gc', join(root, 'bench', 'scaleStage.ts'), 'tokenize', csv]));
  stage('tokmem', () => measure(tsx, ['--expose-gc', join(root, 'bench', 'scaleStage.ts'), 'tokenize-memory', csv]));
  stage('results', () => measure(tsx, [join(root, 'bench', 'scaleStage.ts'), 'results', join(runs, 'tfidf')]));
  stage('report', () => measure('node', [gft, 'reflect', '--runs', runs, '--data', csv, '--no-latency', '--out', join(runs, 'reflection.md')]));
  stage('demoreport', () => measure(tsx, [join(root, 'bench', 'scaleStage.ts'), 'demoreport', join(runs, 'tfidf'), csv]));
  rows.push(row);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ date: new Date().toISOString(), machine: `${process.platform}, ${(await import('node:os')).cpus().length} cores`, rows }, null, 1)}\n`,
  );
}

// The table, and how each stage's cost grows from the second size to the last (1.0 = linear in N).
const fmt = (m) => (!m ? '—' : m.error ? 'failed' : `${m.wallS.toFixed(1)} s / ${m.cpuS.toFixed(1)} s cpu / ${m.maxRssMB.toFixed(0)} MB`);
console.log(`\n| N | ${stages.join(' | ')} |\n|---|${stages.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.n} | ${stages.map((s) => fmt(r[s])).join(' | ')} |`);
if (rows.length >= 2) {
  const [a, b] = rows.slice(-2);
  // embed times a fixed sample of texts: its rate is what compares across N.
  const growth = stages
    .filter((s) => s !== 'embed')
    .map((s) => (a[s]?.cpuS && b[s]?.cpuS ? `${s} ${(b[s].cpuS / a[s].cpuS / (b.n / a.n)).toFixed(2)}` : `${s} —`));
  console.log(`\nCPU time from N=${a.n} to N=${b.n}, relative to linear growth (1.00 = linear): ${growth.join(', ')}`);
}
if (stages.includes('embed'))
  console.log(
    `frozen-embedding throughput (reviews/s, ${embedSample}-text sample): ${rows.map((r) => `N=${r.n} ${r.embed?.result?.reviewsPerSec?.toFixed(2) ?? '—'}`).join(', ')}`,
  );
if (stages.includes('tokenize'))
  console.log(
    `memory the tokenized training split holds (heap + array buffers after a GC; streamed to the token file${stages.includes('tokmem') ? ' / every row in memory' : ''}): ${rows
      .map(
        (r) =>
          `N=${r.n} ${r.tokenize?.result?.heldMB?.toFixed(1) ?? '—'}${stages.includes('tokmem') ? ` / ${r.tokmem?.result?.heldMB?.toFixed(1) ?? '—'}` : ''} MB`,
      )
      .join(', ')}; index kept in memory: ${rows.find((r) => r.tokenize?.result)?.tokenize.result.indexBytesPerRow ?? '—'} bytes per row`,
  );
if (stages.includes('tokenize'))
  console.log(
    `memory the evaluation sets hold (validation + test; padded per batch when evaluated${stages.includes('tokmem') ? ' / every padded batch built up front' : ''}): ${rows
      .map(
        (r) =>
          `N=${r.n} ${r.tokenize?.result?.heldEvalMB?.toFixed(1) ?? '—'}${stages.includes('tokmem') ? ` / ${r.tokmem?.result?.heldEvalMB?.toFixed(1) ?? '—'}` : ''} MB`,
      )
      .join(', ')}`,
  );
console.log(`\nwrote ${out}`);
