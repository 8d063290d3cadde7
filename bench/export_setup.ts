// Setup for bench/export_bench.mjs: exports a DistilBERT-base-sized random classifier (6 layers, hidden 768,
// 12 heads, FFN 3072, vocab 30522) and the starter model (USE Lite + a random head) into <dir>, and writes
// token ids of real movie reviews for the DistilBERT model. No pretrained WordPiece vocabulary can be downloaded
// here, so the reviews are tokenized with a word-level WordPiece vocabulary of the corpus's 30517 most frequent
// words (lower-cased, punctuation split): real review lengths and word statistics, not DistilBERT's own pieces.
// Usage: node --import tsx bench/export_setup.ts <dir>
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClassifier, parseHfConfig, NormalRng } from '../src/engine/models';
import { UseLiteClassifier, initUseLiteHead } from '../src/engine/models/useLite';
import { exportHfClassifier, exportUseLiteClassifier } from '../src/host/export';
import { loadBuiltin } from '../src/host/data';
import { loadStarterModel } from '../src/host/models/starter';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: export_setup.ts <dir>');
  mkdirSync(dir, { recursive: true });
  const reviews = loadBuiltin('movie-reviews').examples;

  // word-level WordPiece vocabulary of the corpus
  const words = (t: string) => t.toLowerCase().match(/[a-z0-9']+|[^\sa-z0-9']/g) ?? [];
  const freq = new Map<string, number>();
  for (const r of reviews) for (const w of words(r.text)) freq.set(w, (freq.get(w) ?? 0) + 1);
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const vocabList = [
    ...specials,
    ...[...freq.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 30522 - specials.length)
      .map(([w]) => w),
  ];
  const vocab = Object.fromEntries(vocabList.map((t, i) => [t, i]));
  const tokDir = join(dir, 'base');
  mkdirSync(tokDir, { recursive: true });
  writeFileSync(
    join(tokDir, 'tokenizer.json'),
    JSON.stringify({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specials.map((c, id) => ({ id, content: c, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
        pair: [
          { SpecialToken: { id: '[CLS]', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: '[SEP]', type_id: 0 } },
          { Sequence: { id: 'B', type_id: 1 } },
          { SpecialToken: { id: '[SEP]', type_id: 1 } },
        ],
        special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
      },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
    }),
  );
  writeFileSync(
    join(tokDir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'DistilBertTokenizer',
      do_lower_case: true,
      model_max_length: 512,
      model_input_names: ['input_ids', 'attention_mask'],
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
    }),
  );

  // token ids of 64 reviews (every 31st), up to 512 tokens with [CLS] ... [SEP]
  const ids = reviews
    .filter((_, i) => i % 31 === 0)
    .slice(0, 64)
    .map((r) => [
      2,
      ...words(r.text)
        .slice(0, 510)
        .map((w) => vocab[w] ?? 1),
      3,
    ]);
  writeFileSync(join(dir, 'review_ids.json'), JSON.stringify(ids));
  writeFileSync(
    join(dir, 'review_texts.json'),
    JSON.stringify(
      reviews
        .filter((_, i) => i % 31 === 0)
        .slice(0, 64)
        .map((r) => r.text),
    ),
  );

  // DistilBERT-base-sized random classifier (initializer_range 0.02, as a fresh HF model)
  const config = parseHfConfig({
    model_type: 'distilbert',
    vocab_size: 30522,
    dim: 768,
    n_layers: 6,
    n_heads: 12,
    hidden_dim: 3072,
    max_position_embeddings: 512,
  });
  const model = createClassifier(config, 2);
  const rng = new NormalRng(1);
  const weights = new Map(
    model.params.map((p) => {
      const w = new Float32Array(p.shape.reduce((a, b) => a * b, 1));
      if (/LayerNorm|layer_norm/.test(p.name) && p.name.endsWith('.weight')) w.fill(1);
      else if (!p.name.endsWith('.bias')) for (let i = 0; i < w.length; i++) w[i] = 0.02 * rng.next();
      return [p.name, w];
    }),
  );
  let t = Date.now();
  const d = await exportHfClassifier({
    model,
    weights,
    config,
    labels: ['neg', 'pos'],
    tokenizerDir: tokDir,
    outDir: join(dir, 'distilbert'),
    overwrite: true,
  });
  console.error(`distilbert export: ${Date.now() - t} ms, ${JSON.stringify(d.sizes)}`);
  t = Date.now();
  const s8 = await exportHfClassifier({
    model,
    weights,
    config,
    labels: ['neg', 'pos'],
    tokenizerDir: tokDir,
    outDir: join(dir, 'distilbert-s8'),
    overwrite: true,
    quantize: { weightType: 'int8', reduceRange: true },
  });
  console.error(`distilbert export (int8 reduceRange): ${Date.now() - t} ms, ${JSON.stringify(s8.sizes)}`);

  const starter = loadStarterModel();
  const use = new UseLiteClassifier(2, starter.weights.timing);
  const useWeights = new Map([...starter.weights.params, ...initUseLiteHead(2, 1)]);
  t = Date.now();
  const u = await exportUseLiteClassifier({
    model: use,
    weights: useWeights,
    labels: ['neg', 'pos'],
    outDir: join(dir, 'use-lite'),
    vocabPath: starter.files.vocab,
    overwrite: true,
  });
  console.error(`use-lite export: ${Date.now() - t} ms, ${JSON.stringify(u.sizes)}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
