#!/usr/bin/env python3
"""A tiny local BERT sequence classifier and a labelled JSONL dataset for bench/trainer_job_check.sh, made with
torch alone (no transformers, no network): config.json (BertForSequenceClassification, id2label), model.safetensors
(transformers' initialisation: normal(0, 0.02) weights, zero biases, LayerNorm 1/0), a WordPiece tokenizer.json
with tokenizer_config.json, and data.jsonl: texts of 'positive', 'negative' and neutral words (some longer than
the job's max length), labelled by which of the first two kinds is in the majority.

Usage: python3 bench/trainer_job_fixture.py OUT_DIR   (writes OUT_DIR/tiny-bert/ and OUT_DIR/data.jsonl)
"""
import json
import os
import random
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'scripts'))
import make_parity_fixtures as parity  # noqa: E402  (transformers' BERT in plain torch, and write_safetensors)

POS = ['good', 'great', 'fine', 'superb', 'moving', 'warm', 'funny', 'clever', 'bright', 'lovely', 'sharp', 'rich', 'tender', 'vivid', 'deft']
NEG = ['bad', 'dull', 'flat', 'boring', 'weak', 'cold', 'tired', 'clumsy', 'bland', 'awful', 'messy', 'shallow', 'stale', 'limp', 'grim']
NEUTRAL = ['the', 'film', 'plot', 'actor', 'scene', 'story', 'camera', 'music', 'end', 'start', 'role', 'set', 'script', 'cast', 'score',
           'a', 'of', 'and', 'in', 'with', 'was', 'is', 'it', 'this', 'that']


def main():
    out = sys.argv[1]
    model_dir = os.path.join(out, 'tiny-bert')
    os.makedirs(model_dir, exist_ok=True)
    specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
    vocab = {t: i for i, t in enumerate(specials + POS + NEG + NEUTRAL)}
    tok = lambda c: {'SpecialToken': {'id': c, 'type_id': 0}}
    seq = lambda i, t: {'Sequence': {'id': i, 'type_id': t}}
    tokenizer = {
        'version': '1.0', 'truncation': None, 'padding': None,
        'added_tokens': [{'id': vocab[c], 'content': c, 'single_word': False, 'lstrip': False, 'rstrip': False, 'normalized': False, 'special': True} for c in specials],
        'normalizer': {'type': 'BertNormalizer', 'clean_text': True, 'handle_chinese_chars': True, 'strip_accents': None, 'lowercase': True},
        'pre_tokenizer': {'type': 'BertPreTokenizer'},
        'post_processor': {'type': 'TemplateProcessing', 'single': [tok('[CLS]'), seq('A', 0), tok('[SEP]')],
                           'pair': [tok('[CLS]'), seq('A', 0), tok('[SEP]'), seq('B', 1), {'SpecialToken': {'id': '[SEP]', 'type_id': 1}}],
                           'special_tokens': {'[CLS]': {'id': '[CLS]', 'ids': [2], 'tokens': ['[CLS]']}, '[SEP]': {'id': '[SEP]', 'ids': [3], 'tokens': ['[SEP]']}}},
        'decoder': {'type': 'WordPiece', 'prefix': '##', 'cleanup': True},
        'model': {'type': 'WordPiece', 'unk_token': '[UNK]', 'continuing_subword_prefix': '##', 'max_input_chars_per_word': 100, 'vocab': vocab},
    }
    with open(os.path.join(model_dir, 'tokenizer.json'), 'w') as f:
        json.dump(tokenizer, f)
    with open(os.path.join(model_dir, 'tokenizer_config.json'), 'w') as f:
        json.dump({'tokenizer_class': 'BertTokenizer', 'do_lower_case': True, 'model_max_length': 128, 'cls_token': '[CLS]', 'sep_token': '[SEP]',
                   'pad_token': '[PAD]', 'unk_token': '[UNK]', 'mask_token': '[MASK]'}, f)
    with open(os.path.join(model_dir, 'vocab.txt'), 'w') as f:
        f.write('\n'.join(vocab) + '\n')
    cfg = {'model_type': 'bert', 'architectures': ['BertForSequenceClassification'], 'hidden_size': 64, 'num_hidden_layers': 2,
           'num_attention_heads': 4, 'intermediate_size': 128, 'vocab_size': len(vocab), 'max_position_embeddings': 128,
           'type_vocab_size': 2, 'layer_norm_eps': 1e-12, 'hidden_act': 'gelu', 'hidden_dropout_prob': 0.1,
           'attention_probs_dropout_prob': 0.1, 'classifier_dropout': None, 'pad_token_id': 0, 'initializer_range': 0.02,
           'position_embedding_type': 'absolute', 'id2label': {'0': 'neg', '1': 'pos'}, 'label2id': {'neg': 0, 'pos': 1}}
    with open(os.path.join(model_dir, 'config.json'), 'w') as f:
        json.dump(cfg, f, indent=2)
    torch.manual_seed(0)
    model = parity.BertForSequenceClassification(dict(cfg, num_labels=2))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if 'LayerNorm' in name:
                p.fill_(1.0 if name.endswith('weight') else 0.0)
            elif name.endswith('bias'):
                p.zero_()
            else:
                p.normal_(0.0, 0.02)
        model.bert.embeddings.word_embeddings.weight[0].zero_()
    parity.write_safetensors(os.path.join(model_dir, 'model.safetensors'), {k: v for k, v in model.state_dict().items() if v.dtype == torch.float32}, {'format': 'pt'})

    rng = random.Random(7)
    rows = []
    for i in range(1200):
        n = rng.randint(6, 90)  # some beyond the job's 64 tokens: truncation matters
        k = rng.randint(1, max(1, n // 3))
        label = rng.random() < 0.5
        major, minor = (POS, NEG) if label else (NEG, POS)
        words = [rng.choice(major) for _ in range(k)] + [rng.choice(minor) for _ in range(rng.randint(0, k - 1))]
        words += [rng.choice(NEUTRAL) for _ in range(max(0, n - len(words)))]
        rng.shuffle(words)
        rows.append({'id': 't%04d' % i, 'text': ' '.join(words), 'label': 'pos' if label else 'neg'})
    with open(os.path.join(out, 'data.jsonl'), 'w') as f:
        for r in rows:
            f.write(json.dumps(r) + '\n')
    print('tiny BERT (%d parameters) in %s; %d texts in %s' % (sum(p.numel() for p in model.parameters()), model_dir, len(rows), os.path.join(out, 'data.jsonl')))


if __name__ == '__main__':
    main()
