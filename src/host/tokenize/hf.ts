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

/** Loads the tokenizer in `folder`. maxLength defaults to the config's model_max_length (capped at 512 when absent). */
export async function loadHfTokenizer(folder: string): Promise<TextTokenizer & { readonly hf: unknown }> {
  const abs = resolve(folder);
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) {
    if (!existsSync(join(abs, f))) {
      throw new TokenizerError(`${abs} has no ${f}; a tokenizer folder needs tokenizer.json and tokenizer_config.json (as saved by save_pretrained)`);
    }
  }
  // Loaded on first use (it pulls in onnxruntime-node), through require: the bundles are CommonJS and keep the
  // package external, and a dynamic import() from CommonJS under tsx cannot resolve bare package names.
  const tf = createRequire(__filename)('@huggingface/transformers') as typeof Transformers;
  tf.env.allowRemoteModels = false;
  tf.env.allowLocalModels = true;
  let tok: HfTokenizerLike;
  try {
    // An absolute path is never taken for a hub id (it starts with '/'), so env.localModelPath is not prepended.
    tok = (await tf.AutoTokenizer.from_pretrained(abs, { local_files_only: true })) as unknown as HfTokenizerLike;
  } catch (e) {
    throw new TokenizerError(`cannot load the tokenizer in ${abs}: ${String((e as Error).message ?? e).split('\n')[0]}; check that tokenizer.json is a Hugging Face tokenizers file`);
  }
  const config = JSON.parse(readFileSync(join(abs, 'tokenizer_config.json'), 'utf8')) as { model_max_length?: number; model_input_names?: string[] };
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
  throw new TokenizerError('cannot find where the text goes in the tokenizer\'s special-token template; the tokenizer needs a post-processor for single sequences');
}
