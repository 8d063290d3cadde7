// One measurement for bench/export_bench.mjs, in its own process so that peak RSS belongs to one model:
//   node --import tsx bench/export_worker.ts <dir> <model> <fp32|int8> <seq> <latencyRuns> <throughputBatches>
// model 'distilbert' / 'distilbert-s8': raw onnxruntime session on pre-tokenized reviews cut to <seq> tokens;
// model 'use-lite': loadExported().predict on whole review texts (tokenizing + every 128-token window).
// Prints one JSON line: p50/p95 ms per review at batch 1, reviews/s at batch 32, load ms, peak RSS MiB.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { sessionOptions } from '../src/engine/runtime/session';
import { loadExported } from '../src/host/export';

const [dir, name, precision, seqArg, latArg, thrArg] = process.argv.slice(2);
const seq = Number(seqArg);
const latencyRuns = Number(latArg);
const throughputBatches = Number(thrArg);
const folder = join(dir, name);

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

async function main(): Promise<void> {
  const t0 = performance.now();
  let runOne: (i: number) => Promise<void>;
  let runBatch: (i: number) => Promise<void>;
  if (name === 'use-lite') {
    const texts = JSON.parse(readFileSync(join(dir, 'review_texts.json'), 'utf8')) as string[];
    const m = await loadExported(folder, { precision: precision as 'fp32' | 'int8', threads: 2, batchSize: 32 });
    runOne = async (i) => {
      await m.predict([texts[i % texts.length]]);
    };
    runBatch = async (i) => {
      await m.predict(texts.slice((i * 32) % 64, ((i * 32) % 64) + 32));
    };
  } else {
    const ids = JSON.parse(readFileSync(join(dir, 'review_ids.json'), 'utf8')) as number[][];
    const file = precision === 'int8' ? 'onnx/model_quantized.onnx' : 'onnx/model.onnx';
    const s = await ort.InferenceSession.create(join(folder, file), sessionOptions({ threads: 2 }));
    const feeds = (rows: number[][]) => {
      const L = Math.min(seq, Math.max(...rows.map((r) => r.length)));
      const a = new BigInt64Array(rows.length * L);
      const mask = new BigInt64Array(rows.length * L);
      rows.forEach((r, b) =>
        r.slice(0, L).forEach((id, j) => {
          a[b * L + j] = BigInt(id);
          mask[b * L + j] = 1n;
        }),
      );
      return { input_ids: new ort.Tensor('int64', a, [rows.length, L]), attention_mask: new ort.Tensor('int64', mask, [rows.length, L]) };
    };
    runOne = async (i) => {
      await s.run(feeds([ids[i % ids.length]]));
    };
    runBatch = async (i) => {
      await s.run(feeds(ids.slice((i * 32) % 64, ((i * 32) % 64) + 32)));
    };
  }
  const loadMs = performance.now() - t0;
  await runOne(0); // warm-up
  const lat: number[] = [];
  for (let i = 1; i <= latencyRuns; i++) {
    const t = performance.now();
    await runOne(i);
    lat.push(performance.now() - t);
  }
  let reviews = 0;
  const t = performance.now();
  for (let i = 0; i < throughputBatches; i++) {
    await runBatch(i);
    reviews += 32;
  }
  const thr = reviews / ((performance.now() - t) / 1000);
  console.log(
    JSON.stringify({
      name,
      precision,
      seq,
      loadMs,
      p50: quantile(lat, 0.5),
      p95: quantile(lat, 0.95),
      throughput: thr,
      rssMiB: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
