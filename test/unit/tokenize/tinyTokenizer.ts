// Writes a tiny WordPiece tokenizer folder (tokenizer.json + tokenizer_config.json) in the Hugging Face tokenizers
// format, BERT-style ([CLS] x [SEP], token type ids) or RoBERTa-style (<s> x </s>, no token type ids).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const WORDS = ['the', 'movie', 'was', 'great', 'bad', 'un', '##believ', '##able', 'film', '##s', '.', ',', 'plot', 'a', 'twist'];

export function writeTinyTokenizer(dir: string, style: 'bert' | 'roberta' = 'bert'): Record<string, number> {
  const [pad, unk, cls, sep, mask] = style === 'bert' ? ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] : ['<pad>', '<unk>', '<s>', '</s>', '<mask>'];
  const specials = [pad, unk, cls, sep, mask];
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
      single: [tok(cls, 0), seq('A', 0), tok(sep, 0)],
      pair: [tok(cls, 0), seq('A', 0), tok(sep, 0), seq('B', 1), tok(sep, 1)],
      special_tokens: { [cls]: { id: cls, ids: [vocab[cls]], tokens: [cls] }, [sep]: { id: sep, ids: [vocab[sep]], tokens: [sep] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: unk, continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
  const config = {
    tokenizer_class: style === 'bert' ? 'BertTokenizer' : 'PreTrainedTokenizerFast',
    do_lower_case: true,
    model_max_length: 16,
    cls_token: cls,
    sep_token: sep,
    pad_token: pad,
    unk_token: unk,
    mask_token: mask,
    ...(style === 'roberta' ? { model_input_names: ['input_ids', 'attention_mask'] } : {}),
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config));
  return vocab;
}
