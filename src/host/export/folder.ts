// Writes export folders. A BERT / DistilBERT / RoBERTa export has the layout transformers.js (and Python
// transformers + optimum) loads offline with pipeline('text-classification', folder):
//   config.json, tokenizer.json, tokenizer_config.json (+ the tokenizer's other files when present),
//   onnx/model.onnx (fp32), onnx/model_quantized.onnx (int8, dtype 'q8'), gft_export.json (what this project needs).
// The starter model (USE Lite) has no Hugging Face class, so its folder holds the ONNX models, its SentencePiece
// vocabulary (vocab.json, as UseTokenizer.fromFile reads it) and gft_export.json; loadExported reads both kinds.
// The folder is written under a temporary name and renamed into place, so a failed export leaves nothing half-made.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { SequenceClassifier } from '../../engine';
import type { TransformerConfig } from '../../engine/models';
import { buildInferenceModel, encodeModel, quantizeDynamic, type QuantizeOptions, type QuantizeReport } from '../../engine/export';
import { USE_LITE_MAX_TOKENS } from '../../engine/models/useLite';
import type { LongTextStrategy } from '../tokenize';
import { PieceClassifier } from '../../engine/export';
import { hfConfigJson } from './hfConfig';
import { pct } from '../../shared/format';

export const EXPORT_MANIFEST = 'gft_export.json';
export const FP32_FILE = 'onnx/model.onnx';
export const INT8_FILE = 'onnx/model_quantized.onnx';
/** Tokenizer files copied from the model folder when present (tokenizer.json and its config are required). */
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt', 'vocab.json', 'merges.txt'];

export interface ExportManifest {
  format: 'gft-export-1';
  architecture: string;
  labels: string[];
  /** int64 [batch, seq] inputs of the ONNX models */
  inputNames: string[];
  /** tokens per window the model reads (special tokens included) */
  maxLength: number;
  /** how texts longer than maxLength are read, as the run's evaluation read them (src/host/tokenize strategies;
   *  'chunks' averages the windows' logits; 'sentence-mean' splits the text into sentences (lines, or . ! ? in a
   *  one-line text; host/train/docPool.ts splitSentences), cuts each into windows of maxLength tokens, runs every
   *  piece as a row and averages the pieces' logits — the head on the mean sentence embedding) */
  longText: ExportLongText;
  /** 'chunks': content tokens shared by consecutive windows (default: the tokenize module's, a quarter window) */
  chunkOverlap?: number;
  tokenizer: 'hf' | 'use-sentencepiece';
  files: { fp32: string; int8?: string };
  quantization?: QuantizeOptions & { quantized: number; floatBytes: number; quantizedBytes: number };
  source?: Record<string, unknown>;
  /** int8 vs fp32 on a labelled test set, when measured after export (recordExportCheck) */
  check?: ExportCheck;
  createdAt: string;
}

/** How the int8 model compares with the fp32 one on n labelled texts. */
export interface ExportCheck {
  n: number;
  /** share of texts where int8 and fp32 give the same label */
  agreement: number;
  accuracyFp32: number;
  accuracyInt8: number;
  /** what the fp32 labels came from */
  reference: string;
}

export type ExportLongText = LongTextStrategy | 'sentence-mean';

export interface ExportResult {
  dir: string;
  manifest: ExportManifest;
  /** bytes on disk of each written file, by path relative to dir */
  sizes: Record<string, number>;
  quantization?: QuantizeReport;
}

interface CommonOptions {
  model: SequenceClassifier;
  weights: ReadonlyMap<string, Float32Array>;
  labels: readonly string[];
  outDir: string;
  /** write onnx/model_quantized.onnx too (default true) */
  quantize?: boolean | QuantizeOptions;
  /** provenance stored in gft_export.json and the ONNX metadata (run id, dataset, ...) */
  source?: Record<string, unknown>;
  /** replace an existing export folder (default false: refuse) */
  overwrite?: boolean;
}

export interface HfExportOptions extends CommonOptions {
  config: TransformerConfig;
  /** the folder holding tokenizer.json + tokenizer_config.json (the model the run fine-tuned) */
  tokenizerDir: string;
  /** the base model's config.json, kept as the base of the exported one */
  sourceConfigPath?: string;
  maxLength?: number;
  longText?: ExportLongText;
}

export async function exportHfClassifier(o: HfExportOptions): Promise<ExportResult> {
  if (o.model.architecture !== o.config.architecture)
    throw new Error(`export: the model is '${o.model.architecture}' but its config says '${o.config.architecture}'`);
  // A BERT-family head reads [CLS] through the pooler; sentence-mean runs trained a head on the token mean.
  if (o.longText === 'sentence-mean' && !(o.model instanceof PieceClassifier))
    throw new Error(`export: a sentence-mean export needs the run's per-piece model (PieceClassifier), not '${o.model.architecture}''s own head`);
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) {
    if (!existsSync(join(o.tokenizerDir, f)))
      throw new Error(`export: ${join(o.tokenizerDir, f)} not found; pass the model folder that holds the tokenizer the run used`);
  }
  const source = o.sourceConfigPath && existsSync(o.sourceConfigPath) ? (JSON.parse(readFileSync(o.sourceConfigPath, 'utf8')) as Record<string, unknown>) : {};
  const tokCfg = JSON.parse(readFileSync(join(o.tokenizerDir, 'tokenizer_config.json'), 'utf8')) as { model_max_length?: number };
  const tokMax = tokCfg.model_max_length && tokCfg.model_max_length < 1e6 ? tokCfg.model_max_length : Infinity;
  const posMax = o.config.positionsFromPadding ? o.config.maxPositions - o.config.padTokenId - 1 : o.config.maxPositions;
  const maxLength = Math.min(o.maxLength ?? 512, tokMax, posMax);
  return writeExport(
    o,
    {
      architecture: o.model.architecture,
      maxLength,
      longText: o.longText ?? 'head',
      tokenizer: 'hf',
    },
    (tmp) => {
      writeFileSync(join(tmp, 'config.json'), JSON.stringify(hfConfigJson(o.config, o.labels, source), null, 2) + '\n');
      for (const f of TOKENIZER_FILES) if (existsSync(join(o.tokenizerDir, f))) copyFileSync(join(o.tokenizerDir, f), join(tmp, f));
    },
  );
}

export interface UseLiteExportOptions extends CommonOptions {
  /** vocab.json of the starter model package ([piece, score] pairs) */
  vocabPath: string;
  /** tokens per window, at most 128 (default 128) */
  maxLength?: number;
  /** default: 'chunks' without overlap (consecutive windows, as the USE Lite embedder reads long texts) */
  longText?: ExportLongText;
}

/** The starter model: reads at most 128 tokens per window; by default longer texts average the windows' logits. */
export async function exportUseLiteClassifier(o: UseLiteExportOptions): Promise<ExportResult> {
  if (o.model.architecture !== 'use-lite') throw new Error(`export: exportUseLiteClassifier needs a use-lite model, got '${o.model.architecture}'`);
  if (!existsSync(o.vocabPath)) throw new Error(`export: ${o.vocabPath} not found; pass the starter model's vocab.json`);
  const maxLength = Math.min(o.maxLength ?? USE_LITE_MAX_TOKENS, USE_LITE_MAX_TOKENS);
  const longText = o.longText ?? 'chunks';
  const quantize = o.quantize === undefined || o.quantize === true ? useLiteQuantization(o.model) : o.quantize;
  return writeExport(
    { ...o, quantize },
    { architecture: 'use-lite', maxLength, longText, ...(o.longText ? {} : { chunkOverlap: 0 }), tokenizer: 'use-sentencepiece' },
    (tmp) => {
      copyFileSync(o.vocabPath, join(tmp, 'vocab.json'));
    },
  );
}

/**
 * The starter model's int8 settings: every weight matrix to 8 bits except the first transformer layer, the tanh
 * pooler and the head. Measured on the demo's fine-tuned sentence-mean run (400 test reviews, onnxruntime-node
 * 1.30, 2-core VM): all quantized, 6.8 MiB, int8 agreed with fp32 on 98.75% of labels (accuracy 86.0% -> 84.75%,
 * margin spread / int8 noise 54); with layer 0 + pooler + head in float, 13.3 MiB (fp32 26.7 MiB), 100% agreement,
 * accuracy unchanged, spread / noise 157. Keeping only the pooler and head in float changed nothing (98.75%); only
 * layer 0's attention (8.8 MiB) kept 400/400 too (spread / noise 124) but only 98.3% of the 600 probe windows of
 * test/unit/export/use-lite-export.test.ts (whole layer 0: 99.3%); only layer 0's FFN, 99.0% of the 400 (12.0 MiB).
 * Keeping the embedding table in float instead helped little (probe spread / noise 24 -> 29; layer 0: 50).
 */
export function useLiteQuantization(model: SequenceClassifier): QuantizeOptions {
  return { exclude: model.params.map((p) => p.name).filter((n) => /^(encoder\.layer\.0\.|pooler\.|classifier\.)/.test(n)) };
}

type ManifestPart = Pick<ExportManifest, 'architecture' | 'maxLength' | 'longText' | 'chunkOverlap' | 'tokenizer'>;

async function writeExport(o: CommonOptions, part: ManifestPart, writeExtra: (tmp: string) => void): Promise<ExportResult> {
  const dir = resolve(o.outDir);
  if (existsSync(dir) && !o.overwrite) throw new Error(`export: ${dir} already exists; choose a new folder or pass overwrite`);
  if (o.labels.length !== o.model.numLabels) throw new Error(`export: ${o.labels.length} label names for a model with ${o.model.numLabels} outputs`);
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'onnx'), { recursive: true });
  try {
    const metadata: Record<string, string> = { labels: JSON.stringify(o.labels), ...(o.source ? { source: JSON.stringify(o.source) } : {}) };
    const proto = buildInferenceModel(o.model, o.weights, { metadata });
    writeFileSync(join(tmp, FP32_FILE), encodeModel(proto));
    let report: QuantizeReport | undefined;
    const qopts = o.quantize === false ? undefined : o.quantize === true || o.quantize === undefined ? {} : o.quantize;
    if (qopts) {
      const q = quantizeDynamic(proto, qopts);
      report = q.report;
      writeFileSync(join(tmp, INT8_FILE), encodeModel(q.model));
    }
    writeExtra(tmp);
    const manifest: ExportManifest = {
      format: 'gft-export-1',
      ...part,
      labels: [...o.labels],
      inputNames: [...o.model.inputNames],
      files: { fp32: FP32_FILE, ...(report ? { int8: INT8_FILE } : {}) },
      ...(report && qopts
        ? { quantization: { ...qopts, quantized: report.quantized.length, floatBytes: report.floatBytes, quantizedBytes: report.quantizedBytes } }
        : {}),
      ...(o.source ? { source: o.source } : {}),
      createdAt: new Date().toISOString(),
    };
    writeFileSync(join(tmp, EXPORT_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    writeFileSync(join(tmp, 'README.md'), exportReadme(manifest));
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    const sizes: Record<string, number> = {};
    for (const f of [FP32_FILE, ...(report ? [INT8_FILE] : [])]) sizes[f] = statSync(join(dir, f)).size;
    return { dir, manifest, sizes, quantization: report };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** How to read texts with the folder's models outside this project (the rule gft predict applies). */
export function exportReadme(m: ExportManifest): string {
  const rule =
    m.longText === 'sentence-mean'
      ? `Split the text into sentences (its non-empty lines; a one-line text after . ! or ? followed by a space), cut each sentence into windows of at most ${m.maxLength} tokens (special tokens included), run every window as one row and average the rows' logits per text, then softmax. The model was fine-tuned on the mean of the sentences' embeddings; its head is linear, so this average is exactly that model. One call of a text-classification pipeline on a whole text reads only its first ${m.maxLength} tokens and gives a different answer.`
      : m.longText === 'chunks'
        ? `Cut the text's tokens into windows of at most ${m.maxLength} tokens${m.chunkOverlap === undefined ? ' (consecutive windows overlap by a quarter window)' : m.chunkOverlap ? ` (${m.chunkOverlap} tokens shared by consecutive windows)` : ' (no overlap)'}, run every window as a row and average the logits per text, then softmax.`
        : `Texts longer than ${m.maxLength} tokens are read by their ${m.longText === 'head' ? 'first' : m.longText === 'tail' ? 'last' : 'first and last'} tokens (the rule the run was trained and evaluated with).`;
  const c = m.check;
  const check = c
    ? [
        `int8 vs fp32 on ${c.n} labelled test texts (${c.reference}): same label for ${pct(c.agreement)}; accuracy ${pct(c.accuracyFp32)} (fp32) -> ${pct(c.accuracyInt8)} (int8).`,
        '',
      ]
    : [];
  return [
    `# ${m.architecture} text classifier (${m.labels.join(', ')})`,
    '',
    `Exported by guided-finetune${m.source?.run ? ` from run ${String(m.source.run)}` : ''}. Files: ${m.files.fp32} (float32)${m.files.int8 ? `, ${m.files.int8} (int8 weights)` : ''}; gft_export.json says how they were made.`,
    '',
    `Inputs ${m.inputNames.join(', ')} (int64 [batch, seq]); output logits [batch, ${m.labels.length}]. ${rule}`,
    '',
    ...check,
    'With gft: `gft predict <this folder> --text "..."` applies this rule.',
    '',
  ].join('\n');
}

/** The int8 model's probabilities `int8` against the run's own (fp32) test predictions, text by text. */
export function int8Check(int8: number[][], reference: readonly { label: number; probs: number[] }[]): ExportCheck {
  const arg = (r: number[]) => r.indexOf(Math.max(...r));
  const n = reference.length;
  return {
    n,
    agreement: int8.filter((r, i) => arg(r) === arg(reference[i].probs)).length / n,
    accuracyFp32: reference.filter((e) => arg(e.probs) === e.label).length / n,
    accuracyInt8: int8.filter((r, i) => arg(r) === reference[i].label).length / n,
    reference: "the run's own test predictions (fp32)",
  };
}

/** Stores an int8-vs-fp32 check in an export folder's gft_export.json and README.md. */
export function recordExportCheck(folder: string, check: ExportCheck): ExportManifest {
  const path = join(folder, EXPORT_MANIFEST);
  if (!existsSync(path)) throw new Error(`${folder} is not an export folder (no ${EXPORT_MANIFEST})`);
  const m = { ...(JSON.parse(readFileSync(path, 'utf8')) as ExportManifest), check };
  writeFileSync(path, JSON.stringify(m, null, 2) + '\n');
  writeFileSync(join(folder, 'README.md'), exportReadme(m));
  return m;
}
