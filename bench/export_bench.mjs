#!/usr/bin/env node
// Export benchmark: the fp32 and int8 ONNX exports of a DistilBERT-base-sized classifier and of the starter model
// (USE Lite), on CPU through onnxruntime-node. Reports size on disk, p50/p95 latency per review at batch 1,
// throughput at batch 32, and peak RSS of the process that ran the model; prints a Markdown table.
// fp32 and int8 are measured in alternating separate processes, so load from other work hits both alike; the
// ratios (int8 vs fp32, same run) are the comparison to read, absolute times vary with the machine's load.
//
// With --rounds R, the fp32/int8 alternation is repeated R times and each figure is the median over rounds (the
// shared VM's load changes from minute to minute).
// Usage: node bench/export_bench.mjs [--dir /tmp/gft-export-bench] [--seq 256] [--runs 20] [--batches 2] [--rounds 1] [--skip-setup]
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const dir = opt('dir', '/tmp/gft-export-bench');
const seq = Number(opt('seq', 256));
const runs = Number(opt('runs', 20));
const batches = Number(opt('batches', 2));
const rounds = Number(opt('rounds', 1));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function node(script, extra) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, script), ...extra], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    console.error(r.stderr.trim().split('\n').slice(-3).join('\n'));
    process.exit(1);
  }
  if (r.stderr.trim()) console.error(r.stderr.trim());
  return r.stdout.trim();
}

if (!args.includes('--skip-setup')) node('bench/export_setup.ts', [dir]);

const size = (model, p) => statSync(join(dir, model, p === 'int8' ? 'onnx/model_quantized.onnx' : 'onnx/model.onnx')).size / 2 ** 20;
const models = [
  ['distilbert', `DistilBERT-base size (66M), ${seq} tokens`, seq],
  ['distilbert-s8', `same, int8 weights + reduceRange, ${seq} tokens`, seq],
  ['use-lite', 'starter USE Lite (7M), whole review, 128-token windows', 128],
];
const samples = new Map(); // "model/precision" -> measurements, one per round
for (let round = 0; round < rounds; round++) {
  for (const [model, , s] of models) {
    for (const p of model === 'distilbert-s8' ? ['int8'] : ['fp32', 'int8']) {
      const r = JSON.parse(
        node('bench/export_worker.ts', [dir, model, p, String(s), String(runs), String(batches)])
          .split('\n')
          .pop(),
      );
      const key = `${model}/${p}`;
      samples.set(key, [...(samples.get(key) ?? []), r]);
    }
  }
}
const rows = models.map(([model, label]) => {
  const res = {};
  for (const [key, list] of samples) {
    if (!key.startsWith(`${model}/`)) continue;
    const p = key.slice(model.length + 1);
    res[p] = Object.fromEntries(['p50', 'p95', 'throughput', 'rssMiB'].map((k) => [k, median(list.map((r) => r[k]))]));
    res[p].mb = size(model, p);
  }
  return { model, label, res };
});

const f = (x, d = 1) => x.toFixed(d);
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `\nExport benchmark — ${cpus().length}-core cloud VM (${cpu}), ${f(totalmem() / 2 ** 30, 0)} GB, Node ${process.versions.node}, onnxruntime-node 1.30, 2 intra-op threads; ${runs} batch-1 runs, ${batches} batches of 32${rounds > 1 ? `, median of ${rounds} rounds` : ''}.\n`,
);
console.log('| model | precision | size MiB | p50 ms/review (batch 1) | p95 ms/review | reviews/s (batch 32) | peak RSS MiB |');
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const { label, res } of rows) {
  for (const [p, r] of Object.entries(res)) {
    console.log(`| ${label} | ${p} | ${f(r.mb)} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.throughput, 2)} | ${f(r.rssMiB, 0)} |`);
  }
  if (res.fp32 && res.int8) {
    console.log(
      `| ${label} | int8 / fp32 | ${f(res.int8.mb / res.fp32.mb, 2)}x | ${f(res.int8.p50 / res.fp32.p50, 2)}x | ${f(res.int8.p95 / res.fp32.p95, 2)}x | ${f(res.int8.throughput / res.fp32.throughput, 2)}x | ${f(res.int8.rssMiB / res.fp32.rssMiB, 2)}x |`,
    );
  }
}
