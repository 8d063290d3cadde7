// Tiny random models of each architecture and tiny tokenizers for them, made in the test (no fixtures needed):
// a WordPiece tokenizer.json (BERT / DistilBERT) and a GPT-2-style byte-level BPE one (RoBERTa).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClassifier, parseHfConfig, NormalRng, type TransformerConfig } from '../../../src/engine/models';
import type { EncoderClassifier } from '../../../src/engine/models';
import { Graph, Program, grad, type SequenceClassifier, type TensorData } from '../../../src/engine';

export type Arch = 'bert' | 'distilbert' | 'roberta';
export const ARCHS: Arch[] = ['bert', 'distilbert', 'roberta'];

/** Words of the tiny vocabularies; random texts are drawn from them. */
export const WORDS = Array.from({ length: 60 }, (_, i) => `w${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`);

export function writeWordPiece(dir: string, style: 'bert' | 'distilbert'): number {
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const vocab = Object.fromEntries([...specials, ...WORDS].map((t, i) => [t, i]));
  const tok = (id: string, type_id: number) => ({ SpecialToken: { id, type_id } });
  const seq = (id: 'A' | 'B', type_id: number) => ({ Sequence: { id, type_id } });
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((c) => ({ id: vocab[c], content: c, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0)],
      pair: [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0), seq('B', 1), tok('[SEP]', 1)],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
  const config = {
    tokenizer_class: style === 'bert' ? 'BertTokenizer' : 'DistilBertTokenizer',
    do_lower_case: true,
    model_max_length: 64,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
    ...(style === 'distilbert' ? { model_input_names: ['input_ids', 'attention_mask'] } : {}),
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config));
  return Object.keys(vocab).length;
}

/** GPT-2's byte -> printable character table (bytes_to_unicode). */
function bytesToUnicode(): string[] {
  const keep = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let n = 0;
  return Array.from({ length: 256 }, (_, b) => String.fromCharCode(keep(b) ? b : 256 + n++));
}

/** RoBERTa-style byte-level BPE: every byte is a token, plus merges that make each word (with 'Ġ' before it) one token. */
export function writeByteBpe(dir: string): number {
  const specials = ['<s>', '<pad>', '</s>', '<unk>', '<mask>'];
  const tokens = [...specials, ...bytesToUnicode()];
  const merges: string[] = [];
  const have = new Set(tokens);
  for (const w of WORDS) {
    for (const word of [w, `\u0120${w}`]) {
      let left = word[0];
      for (const ch of word.slice(1)) {
        const joined = left + ch;
        if (!have.has(joined)) {
          merges.push(`${left} ${ch}`);
          tokens.push(joined);
          have.add(joined);
        }
        left = joined;
      }
    }
  }
  const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((c) => ({
      id: vocab[c],
      content: c,
      single_word: false,
      lstrip: c === '<mask>',
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
  const config = {
    tokenizer_class: 'RobertaTokenizer',
    model_max_length: 64,
    bos_token: '<s>',
    eos_token: '</s>',
    sep_token: '</s>',
    cls_token: '<s>',
    unk_token: '<unk>',
    pad_token: '<pad>',
    mask_token: '<mask>',
    add_prefix_space: false,
    model_input_names: ['input_ids', 'attention_mask'],
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config));
  return tokens.length;
}

/** A tiny config in Hugging Face's own keys (as config.json would hold it). */
export function tinyHfConfig(
  arch: Arch,
  vocabSize: number,
  size: { hidden: number; layers: number; heads: number; ffn: number; positions: number } = { hidden: 32, layers: 2, heads: 4, ffn: 64, positions: 70 },
): Record<string, unknown> {
  const labels = { id2label: { 0: 'negative', 1: 'positive' }, label2id: { negative: 0, positive: 1 } };
  if (arch === 'distilbert') {
    return {
      model_type: 'distilbert',
      vocab_size: vocabSize,
      dim: size.hidden,
      n_layers: size.layers,
      n_heads: size.heads,
      hidden_dim: size.ffn,
      max_position_embeddings: size.positions,
      pad_token_id: 0,
      ...labels,
    };
  }
  return {
    model_type: arch,
    vocab_size: vocabSize,
    hidden_size: size.hidden,
    num_hidden_layers: size.layers,
    num_attention_heads: size.heads,
    intermediate_size: size.ffn,
    max_position_embeddings: size.positions + (arch === 'roberta' ? 2 : 0),
    type_vocab_size: arch === 'roberta' ? 1 : 2,
    pad_token_id: arch === 'roberta' ? 1 : 0,
    ...labels,
  };
}

/**
 * Random weights with a trained model's scale: linear weights ~ N(0, 1/fan_in) so activations neither vanish nor
 * explode, LayerNorm scales near 1, embeddings N(0, 1), a classifier head wide enough that the two classes'
 * logits differ clearly (a label flip then means a real numeric change, not noise around a tie).
 */
export function randomModel(config: TransformerConfig, seed: number): { model: EncoderClassifier; weights: Map<string, Float32Array> } {
  const model = createClassifier(config, config.numLabels);
  const rng = new NormalRng(seed);
  const weights = new Map<string, Float32Array>();
  for (const p of model.params) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    const w = new Float32Array(n);
    const isNorm = /LayerNorm|layer_norm/.test(p.name);
    const isBias = p.name.endsWith('.bias');
    const std = isBias
      ? 0.05
      : isNorm
        ? 0.1
        : p.shape.length === 2 && p.group !== 'embeddings'
          ? (p.name.startsWith('classifier') ? 3 : 1) / Math.sqrt(p.shape[1])
          : 1;
    for (let i = 0; i < n; i++) w[i] = (isNorm && !isBias ? 1 : 0) + std * rng.next();
    weights.set(p.name, w);
  }
  return { model, weights };
}

export function tinyModel(
  arch: Arch,
  vocabSize: number,
  seed = 1,
): { config: TransformerConfig; model: EncoderClassifier; weights: Map<string, Float32Array>; json: Record<string, unknown> } {
  const json = tinyHfConfig(arch, vocabSize);
  const config = parseHfConfig(json);
  return { config, json, ...randomModel(config, seed) };
}

/** Deterministic random texts of `min`..`max` words. */
export function randomTexts(count: number, seed: number, min = 3, max = 40): string[] {
  const rng = new NormalRng(seed);
  return Array.from({ length: count }, () => {
    const n = min + Math.floor(rng.uniform() * (max - min + 1));
    return Array.from({ length: n }, () => WORDS[Math.floor(rng.uniform() * WORDS.length)]).join(' ');
  });
}

/** The synthetic task the tiny models learn: is the majority of a text's words from the first half of WORDS? */
export function taskLabel(text: string): number {
  let first = 0;
  for (const w of text.split(' ')) if (WORDS.indexOf(w) < WORDS.length / 2) first++;
  return 2 * first > text.split(' ').length ? 1 : 0;
}

export interface TokenFeeds {
  input_ids: TensorData;
  attention_mask: TensorData;
  token_type_ids?: TensorData;
}

/**
 * Fine-tunes a tiny model in place with plain Adam on the engine's own gradients (Graph + grad + Program), so that
 * its decisions depend on the text the way a trained classifier's do (a random model gives nearly every text the
 * same margin, and then any rounding flips labels). `batches` are token feeds with their labels.
 */
export async function trainTiny(
  model: SequenceClassifier,
  weights: Map<string, Float32Array>,
  batches: { feeds: Record<string, TensorData>; labels: number[] }[],
  epochs: number,
  lr = 3e-3,
): Promise<number> {
  const g = new Graph({ training: false });
  const { logits } = model.buildLogits(g);
  const labels = g.input('labels', 'int64', ['batch']);
  const loss = g.softmaxCrossEntropy(logits, labels);
  const params = g.params.map((p) => p.tensor);
  const grads = grad(g, loss, params);
  g.output('loss', loss);
  params.forEach((p, i) => g.output(`grad:${p.name}`, grads[i]));
  const prog = await Program.compile(g, { threads: 1 });
  const m = new Map(params.map((p) => [p.name, new Float32Array(weights.get(p.name)!.length)]));
  const v = new Map(params.map((p) => [p.name, new Float32Array(weights.get(p.name)!.length)]));
  let step = 0;
  let last = NaN;
  try {
    for (let e = 0; e < epochs; e++) {
      for (const b of batches) {
        const feeds: Record<string, TensorData> = { ...b.feeds, labels: { data: BigInt64Array.from(b.labels.map(BigInt)), dims: [b.labels.length] } };
        for (const p of model.params) feeds[p.name] = { data: weights.get(p.name)!, dims: p.shape };
        const out = await prog.run(feeds);
        last = out.loss.data[0] as number;
        step++;
        for (const p of params) {
          const gr = out[`grad:${p.name}`].data as Float32Array;
          const w = weights.get(p.name)!,
            mm = m.get(p.name)!,
            vv = v.get(p.name)!;
          const c1 = 1 - 0.9 ** step,
            c2 = 1 - 0.999 ** step;
          for (let i = 0; i < w.length; i++) {
            mm[i] = 0.9 * mm[i] + 0.1 * gr[i];
            vv[i] = 0.999 * vv[i] + 0.001 * gr[i] * gr[i];
            w[i] -= (lr * mm[i]) / c1 / (Math.sqrt(vv[i] / c2) + 1e-8);
          }
        }
      }
    }
  } finally {
    await prog.dispose();
  }
  return last;
}
