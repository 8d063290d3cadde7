// Hugging Face tokenizers from a local folder (tokenizer.json + tokenizer_config.json) through
// @huggingface/transformers, offline: remote models are switched off, so nothing is ever fetched.
// The result is a TextTokenizer (./strategies.ts): content ids plus the special-token template, which the
// long-text strategies use. The template is read off the tokenizer itself (encode a probe with and without
// special tokens), so BERT ([CLS] x [SEP]), RoBERTa (<s> x </s>) and others need no per-model code.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type * as Transformers from '@huggingface/transformers' with { 'resolution-mode': 'require' };
import type { SpecialTokens, TextTokenizer } from './strategies';

export class TokenizerError extends Error {
  override readonly name = 'TokenizerError';
}

interface HfTokenizerLike {
  encode(text: string, opts?: { add_special_tokens?: boolean }): number[];
  pad_token_id?: number | null;
  model_max_length?: number;
  model_input_names?: string[];
  (text: string, opts?: Record<string, unknown>): { input_ids: unknown; token_type_ids?: unknown };
}

/**
 * Loads the tokenizer in `folder`: tokenizer.json + tokenizer_config.json, or (older BERT checkpoints) a vocab.txt,
 * from which the equivalent WordPiece tokenizer.json is built in memory (nothing is written to the folder).
 * modelMaxLength comes from tokenizer_config.json's model_max_length (512 when absent or unset).
 */
export async function loadHfTokenizer(folder: string): Promise<TextTokenizer & { readonly hf: unknown }> {
  const abs = resolve(folder);
  const has = (f: string) => existsSync(join(abs, f));
  const fromVocab = !has('tokenizer.json') && has('vocab.txt');
  if (!fromVocab) {
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) {
      if (!has(f))
        throw new TokenizerError(
          `${abs} has no ${f}; a tokenizer folder needs tokenizer.json and tokenizer_config.json (as saved by save_pretrained), or a BERT vocab.txt`,
        );
    }
  }
  // Loaded on first use (it pulls in onnxruntime-node), through require: the bundles are CommonJS and keep the
  // package external, and a dynamic import() from CommonJS under tsx cannot resolve bare package names.
  const tf = createRequire(__filename)('@huggingface/transformers') as typeof Transformers;
  tf.env.allowRemoteModels = false;
  tf.env.allowLocalModels = true;
  const config = (has('tokenizer_config.json') ? JSON.parse(readFileSync(join(abs, 'tokenizer_config.json'), 'utf8')) : {}) as BertTokenizerConfig;
  let tok: HfTokenizerLike;
  try {
    if (fromVocab) {
      const vocab = readFileSync(join(abs, 'vocab.txt'), 'utf8').split(/\r?\n/);
      while (vocab.length && vocab[vocab.length - 1] === '') vocab.pop();
      const json = wordPieceTokenizerJson(vocab, config);
      const full = {
        tokenizer_class: 'BertTokenizer',
        do_lower_case: true,
        cls_token: '[CLS]',
        sep_token: '[SEP]',
        pad_token: '[PAD]',
        unk_token: '[UNK]',
        mask_token: '[MASK]',
        ...config,
      };
      tok = new tf.BertTokenizer(json, full) as unknown as HfTokenizerLike;
    } else {
      // An absolute path is never taken for a hub id (it starts with '/'), so env.localModelPath is not prepended.
      tok = (await tf.AutoTokenizer.from_pretrained(abs, { local_files_only: true })) as unknown as HfTokenizerLike;
    }
  } catch (e) {
    if (e instanceof TokenizerError) throw e;
    throw new TokenizerError(
      `cannot load the tokenizer in ${abs}: ${String((e as Error).message ?? e).split('\n')[0]}; check that ${fromVocab ? 'vocab.txt has one token per line' : 'tokenizer.json is a Hugging Face tokenizers file'}`,
    );
  }
  const specials = specialTemplate((t, add) => tok.encode(t, { add_special_tokens: add }), tok.pad_token_id ?? undefined);
  const maxLen = config.model_max_length && config.model_max_length < 1e6 ? config.model_max_length : 512;
  const probe = tok('probe text', {});
  const usesTokenTypeIds = config.model_input_names ? config.model_input_names.includes('token_type_ids') : probe.token_type_ids !== undefined;
  return {
    name: abs,
    specials,
    usesTokenTypeIds,
    modelMaxLength: maxLen,
    encode: (text: string) => tok.encode(text, { add_special_tokens: false }),
    hf: tok,
  };
}

interface BertTokenizerConfig {
  model_max_length?: number;
  model_input_names?: string[];
  do_lower_case?: boolean;
  strip_accents?: boolean | null;
  tokenize_chinese_chars?: boolean;
  cls_token?: string;
  sep_token?: string;
  pad_token?: string;
  unk_token?: string;
  mask_token?: string;
}

/**
 * The tokenizer.json that Hugging Face's BertTokenizerFast builds from a vocab.txt (BertNormalizer, BertPreTokenizer,
 * WordPiece with "##" continuations, [CLS] x [SEP] template), for checkpoints saved without tokenizer.json.
 */
export function wordPieceTokenizerJson(vocabList: readonly string[], config: BertTokenizerConfig = {}): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  vocabList.forEach((t, i) => {
    if (!(t in vocab)) vocab[t] = i;
  });
  const name = (k: 'cls_token' | 'sep_token' | 'pad_token' | 'unk_token' | 'mask_token', d: string) => config[k] ?? d;
  const [cls, sep, pad, unk, mask] = [
    name('cls_token', '[CLS]'),
    name('sep_token', '[SEP]'),
    name('pad_token', '[PAD]'),
    name('unk_token', '[UNK]'),
    name('mask_token', '[MASK]'),
  ];
  for (const t of [cls, sep, unk]) {
    if (!(t in vocab)) throw new TokenizerError(`vocab.txt has no ${t} token; it is not a BERT WordPiece vocabulary (use a folder with tokenizer.json)`);
  }
  const specials = [pad, unk, cls, sep, mask].filter((t) => t in vocab);
  const tok = (id: string, type_id: number) => ({ SpecialToken: { id, type_id } });
  const seq = (id: 'A' | 'B', type_id: number) => ({ Sequence: { id, type_id } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((c) => ({ id: vocab[c], content: c, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: config.tokenize_chinese_chars ?? true,
      strip_accents: config.strip_accents ?? null,
      lowercase: config.do_lower_case ?? true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [tok(cls, 0), seq('A', 0), tok(sep, 0)],
      pair: [tok(cls, 0), seq('A', 0), tok(sep, 0), seq('B', 1), tok(sep, 1)],
      special_tokens: { [cls]: { id: cls, ids: [vocab[cls]], tokens: [cls] }, [sep]: { id: sep, ids: [vocab[sep]], tokens: [sep] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: unk, continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

/**
 * The special tokens around a single sequence, found by encoding probe texts with and without them: the content
 * ids sit somewhere inside the full encoding; what precedes them is the prefix, what follows the suffix.
 */
export function specialTemplate(encode: (text: string, addSpecial: boolean) => number[], padId: number | undefined): SpecialTokens {
  for (const probe of ['hello world', 'a', 'the']) {
    const content = encode(probe, false);
    const full = encode(probe, true);
    if (content.length === 0) continue;
    for (let at = 0; at + content.length <= full.length; at++) {
      if (content.every((id, k) => full[at + k] === id)) {
        return { prefix: full.slice(0, at), suffix: full.slice(at + content.length), pad: padId ?? 0 };
      }
    }
  }
  throw new TokenizerError(
    "cannot find where the text goes in the tokenizer's special-token template; the tokenizer needs a post-processor for single sequences",
  );
}
