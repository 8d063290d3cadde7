// Loads an export folder (./folder.ts) and predicts class probabilities for texts: what `gft predict` and the
// extension's "try the model" use. It needs only onnxruntime-node and the folder: no run, no engine graph.
// Texts are tokenized as in training (HF tokenizer.json, or the starter model's SentencePiece), read with the
// folder's long-text rule (first window, mean of the windows' logits, or 'sentence-mean': every sentence a row,
// mean of the rows' logits, with the training code's own sentence splitting), batched with dynamic padding.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { sessionOptions } from '../../engine/runtime/session';
import { aggregateWindowLogits, encodeDocuments, loadHfTokenizer, makeBatches, type TextTokenizer } from '../tokenize';
import { UseTokenizer, joinLines } from '../tokenize/sentencepiece';
import { encodeSentencePieces, SENTENCE_MEAN } from '../train/docPool';
import { EXPORT_MANIFEST, type ExportManifest } from './folder';

export interface LoadExportedOptions {
  /** 'int8' loads onnx/model_quantized.onnx (default 'fp32') */
  precision?: 'fp32' | 'int8';
  threads?: number;
  batchSize?: number;
}

export interface ExportedClassifier {
  readonly manifest: ExportManifest;
  readonly labels: string[];
  /** probabilities [texts.length][labels.length] (softmax of the logits) */
  predict(texts: readonly string[]): Promise<number[][]>;
  /** raw logits of already tokenized windows (int64 [batch, seq] feeds), for tests and benchmarks */
  run(feeds: Record<string, ort.Tensor>): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export function readExportManifest(folder: string): ExportManifest {
  const path = join(folder, EXPORT_MANIFEST);
  if (!existsSync(path)) throw new Error(`${folder} is not an export folder (no ${EXPORT_MANIFEST}); make one with \`gft export --run RUN_DIR --out DIR\``);
  const m = JSON.parse(readFileSync(path, 'utf8')) as ExportManifest;
  if (m.format !== 'gft-export-1') throw new Error(`${path}: unknown export format '${m.format}'; re-export with this version of gft`);
  return m;
}

export async function loadExported(folder: string, opts: LoadExportedOptions = {}): Promise<ExportedClassifier> {
  const dir = resolve(folder);
  const manifest = readExportManifest(dir);
  const file = opts.precision === 'int8' ? manifest.files.int8 : manifest.files.fp32;
  if (!file) throw new Error(`${dir} has no int8 model; export again with quantization on, or use precision 'fp32'`);
  const tok = await exportTokenizer(dir, manifest);
  const session = await ort.InferenceSession.create(join(dir, file), sessionOptions({ threads: opts.threads }));
  const L = manifest.labels.length;
  const run = async (feeds: Record<string, ort.Tensor>) => {
    const out = await session.run(feeds, ['logits']);
    return out.logits.data as Float32Array;
  };
  const typeIds = manifest.inputNames.includes('token_type_ids');
  return {
    manifest,
    labels: manifest.labels,
    run,
    async predict(texts) {
      const items = texts.map((text) => ({ text }));
      const rows =
        manifest.longText === SENTENCE_MEAN
          ? encodeSentencePieces(tok, items, manifest.maxLength)
          : encodeDocuments(tok, items, { strategy: manifest.longText, maxLength: manifest.maxLength, overlap: manifest.chunkOverlap });
      const logits = new Float32Array(rows.length * L);
      const docs: number[] = [];
      let at = 0;
      for (const b of makeBatches(rows, opts.batchSize ?? 16, tok.specials.pad, { tokenTypeIds: typeIds, sortByLength: true })) {
        const dims = [b.batch, b.seq];
        const feeds: Record<string, ort.Tensor> = {
          input_ids: new ort.Tensor('int64', b.inputIds, dims),
          attention_mask: new ort.Tensor('int64', b.attentionMask, dims),
        };
        if (typeIds) feeds.token_type_ids = new ort.Tensor('int64', b.tokenTypeIds ?? new BigInt64Array(b.batch * b.seq), dims);
        logits.set(await run(feeds), at * L);
        at += b.batch;
        docs.push(...b.docs);
      }
      const perDoc = aggregateWindowLogits(logits, L, docs, texts.length);
      return Array.from({ length: texts.length }, (_, d) => softmax(perDoc.subarray(d * L, (d + 1) * L)));
    },
    dispose: () => session.release(),
  };
}

/** One-shot: load, predict, release. */
export async function predict(folder: string, texts: readonly string[], opts: LoadExportedOptions = {}): Promise<number[][]> {
  const m = await loadExported(folder, opts);
  try {
    return await m.predict(texts);
  } finally {
    await m.dispose();
  }
}

async function exportTokenizer(dir: string, m: ExportManifest): Promise<TextTokenizer> {
  if (m.tokenizer === 'hf') return loadHfTokenizer(dir);
  const use = UseTokenizer.fromFile(join(dir, 'vocab.json'));
  return {
    name: join(dir, 'vocab.json'),
    specials: { prefix: [], suffix: [], pad: 0 },
    usesTokenTypeIds: false,
    modelMaxLength: m.maxLength,
    encode: (text: string) => use.encode(joinLines(text)),
  };
}

export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const e = Array.from(logits, (x) => Math.exp(x - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}
