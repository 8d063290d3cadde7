#!/usr/bin/python3
"""Writes the PyTorch reference fixtures for the engine's BERT, DistilBERT and RoBERTa parity tests.

Run with Debian's torch (no transformers needed):  /usr/bin/python3 scripts/make_parity_fixtures.py

The three models are written here in plain torch with the exact semantics and parameter names of
transformers' BertForSequenceClassification, DistilBertForSequenceClassification and
RobertaForSequenceClassification (eager attention, additive finfo.min mask, padding_idx embeddings,
RoBERTa positions from create_position_ids_from_input_ids). Each fixture folder is itself a tiny HF
model folder (config.json + model.safetensors with the initial weights) plus expected.json (batch,
train config, per-step loss / learning rate / gradient norm, initial logits) and expected.safetensors
(initial logits and the parameters after the last AdamW step).

Training follows the HF Trainer: AdamW (torch.optim.AdamW) with weight decay on every parameter except
biases and LayerNorm weights, optional gradient clipping (clip_grad_norm_, before the step), learning-rate
schedule 'constant' or 'linear' with warmup (get_linear_schedule_with_warmup), cross-entropy loss
(optionally class-weighted). Dropout is 0 so the engine can match bit-for-bit semantics.

Every fixture is produced twice, in float32 and float64; the script checks they agree far more closely
than the tests' tolerance, so the fixture is well-conditioned (no update flips sign by rounding noise).
"""
import json
import math
import os
import struct
import sys

import torch
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'parity')


# ---------------------------------------------------------------------------------------------------------
# Activations and mask as transformers defines them
# ---------------------------------------------------------------------------------------------------------
def act_fn(name):
    if name == 'gelu':
        return lambda x: nn.functional.gelu(x)  # exact erf GELU
    if name == 'gelu_new':
        # transformers.activations.NewGELUActivation
        return lambda x: 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))
    if name == 'relu':
        return nn.functional.relu
    raise ValueError(name)


def extended_mask(attention_mask, dtype):
    # BertModel.get_extended_attention_mask: (1 - mask)[:, None, None, :] * finfo(dtype).min
    m = attention_mask[:, None, None, :].to(dtype)
    return (1.0 - m) * torch.finfo(dtype).min


# ---------------------------------------------------------------------------------------------------------
# BERT / RoBERTa encoder (identical module tree; RoBERTa differs in embeddings and head)
# ---------------------------------------------------------------------------------------------------------
class SelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.h = c['num_attention_heads']
        self.d = c['hidden_size'] // self.h
        self.query = nn.Linear(c['hidden_size'], c['hidden_size'])
        self.key = nn.Linear(c['hidden_size'], c['hidden_size'])
        self.value = nn.Linear(c['hidden_size'], c['hidden_size'])
        self.dropout = nn.Dropout(c['attention_probs_dropout_prob'])

    def split(self, x):
        b, s, _ = x.shape
        return x.view(b, s, self.h, self.d).permute(0, 2, 1, 3)

    def forward(self, x, mask):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.d) + mask
        probs = self.dropout(nn.functional.softmax(scores, dim=-1))
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        return ctx.view(ctx.shape[0], ctx.shape[1], -1)


class DenseLN(nn.Module):
    """BertSelfOutput / BertOutput: dense, dropout, LayerNorm(x + residual)."""

    def __init__(self, c, n_in):
        super().__init__()
        self.dense = nn.Linear(n_in, c['hidden_size'])
        self.LayerNorm = nn.LayerNorm(c['hidden_size'], eps=c['layer_norm_eps'])
        self.dropout = nn.Dropout(c['hidden_dropout_prob'])

    def forward(self, x, residual):
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        setattr(self, 'self', SelfAttention(c))
        self.output = DenseLN(c, c['hidden_size'])

    def forward(self, x, mask):
        return self.output(getattr(self, 'self')(x, mask), x)


class Intermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c['hidden_size'], c['intermediate_size'])
        self.act = act_fn(c['hidden_act'])

    def forward(self, x):
        return self.act(self.dense(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = Attention(c)
        self.intermediate = Intermediate(c)
        self.output = DenseLN(c, c['intermediate_size'])

    def forward(self, x, mask):
        a = self.attention(x, mask)
        return self.output(self.intermediate(a), a)


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([Layer(c) for _ in range(c['num_hidden_layers'])])

    def forward(self, x, mask):
        for layer in self.layer:
            x = layer(x, mask)
        return x


class BertEmbeddings(nn.Module):
    def __init__(self, c, roberta):
        super().__init__()
        self.roberta = roberta
        self.pad = c['pad_token_id']
        self.word_embeddings = nn.Embedding(c['vocab_size'], c['hidden_size'], padding_idx=self.pad)
        self.position_embeddings = nn.Embedding(c['max_position_embeddings'], c['hidden_size'],
                                                padding_idx=self.pad if roberta else None)
        self.token_type_embeddings = nn.Embedding(c['type_vocab_size'], c['hidden_size'])
        self.LayerNorm = nn.LayerNorm(c['hidden_size'], eps=c['layer_norm_eps'])
        self.dropout = nn.Dropout(c['hidden_dropout_prob'])

    def forward(self, input_ids, token_type_ids):
        if self.roberta:
            # create_position_ids_from_input_ids(input_ids, padding_idx)
            m = input_ids.ne(self.pad).int()
            pos = (torch.cumsum(m, dim=1).type_as(m) * m).long() + self.pad
        else:
            pos = torch.arange(input_ids.shape[1])[None, :].expand_as(input_ids)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        e = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids) + self.position_embeddings(pos)
        return self.dropout(self.LayerNorm(e))


class Pooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c['hidden_size'], c['hidden_size'])

    def forward(self, h):
        return torch.tanh(self.dense(h[:, 0]))


class BertModel(nn.Module):
    def __init__(self, c, roberta=False):
        super().__init__()
        self.embeddings = BertEmbeddings(c, roberta)
        self.encoder = Encoder(c)
        if not roberta:  # RobertaForSequenceClassification builds RobertaModel(add_pooling_layer=False)
            self.pooler = Pooler(c)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        x = self.embeddings(input_ids, token_type_ids)
        return self.encoder(x, extended_mask(attention_mask, x.dtype))


def classifier_dropout(c):
    p = c.get('classifier_dropout')
    return c['hidden_dropout_prob'] if p is None else p


class BertForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bert = BertModel(c)
        self.dropout = nn.Dropout(classifier_dropout(c))
        self.classifier = nn.Linear(c['hidden_size'], c['num_labels'])

    def forward(self, input_ids, attention_mask, token_type_ids):
        h = self.bert(input_ids, attention_mask, token_type_ids)
        return self.classifier(self.dropout(self.bert.pooler(h)))


class RobertaClassificationHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c['hidden_size'], c['hidden_size'])
        self.dropout = nn.Dropout(classifier_dropout(c))
        self.out_proj = nn.Linear(c['hidden_size'], c['num_labels'])

    def forward(self, h):
        x = self.dropout(h[:, 0, :])
        x = torch.tanh(self.dense(x))
        return self.out_proj(self.dropout(x))


class RobertaForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.roberta = BertModel(c, roberta=True)
        self.classifier = RobertaClassificationHead(c)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        return self.classifier(self.roberta(input_ids, attention_mask, token_type_ids))


# ---------------------------------------------------------------------------------------------------------
# DistilBERT
# ---------------------------------------------------------------------------------------------------------
class DistilEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c['vocab_size'], c['dim'], padding_idx=c['pad_token_id'])
        self.position_embeddings = nn.Embedding(c['max_position_embeddings'], c['dim'])
        self.LayerNorm = nn.LayerNorm(c['dim'], eps=1e-12)
        self.dropout = nn.Dropout(c['dropout'])

    def forward(self, input_ids):
        pos = torch.arange(input_ids.shape[1])[None, :].expand_as(input_ids)
        return self.dropout(self.LayerNorm(self.word_embeddings(input_ids) + self.position_embeddings(pos)))


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_heads, self.dim = c['n_heads'], c['dim']
        self.dropout = nn.Dropout(c['attention_dropout'])
        self.q_lin = nn.Linear(c['dim'], c['dim'])
        self.k_lin = nn.Linear(c['dim'], c['dim'])
        self.v_lin = nn.Linear(c['dim'], c['dim'])
        self.out_lin = nn.Linear(c['dim'], c['dim'])

    def forward(self, x, attention_mask):
        bs, q_len, _ = x.shape
        dph = self.dim // self.n_heads

        def shape(t):
            return t.view(bs, -1, self.n_heads, dph).transpose(1, 2)

        q = shape(self.q_lin(x)) / math.sqrt(dph)  # DistilBERT scales q before the product
        k, v = shape(self.k_lin(x)), shape(self.v_lin(x))
        scores = torch.matmul(q, k.transpose(2, 3))
        mask = (attention_mask == 0).view(bs, 1, 1, q_len).expand_as(scores)
        scores = scores.masked_fill(mask, torch.tensor(torch.finfo(scores.dtype).min))
        weights = self.dropout(nn.functional.softmax(scores, dim=-1))
        ctx = torch.matmul(weights, v).transpose(1, 2).contiguous().view(bs, -1, self.n_heads * dph)
        return self.out_lin(ctx)


class FFN(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dropout = nn.Dropout(c['dropout'])
        self.lin1 = nn.Linear(c['dim'], c['hidden_dim'])
        self.lin2 = nn.Linear(c['hidden_dim'], c['dim'])
        self.activation = act_fn(c['activation'])

    def forward(self, x):
        return self.dropout(self.lin2(self.activation(self.lin1(x))))


class TransformerBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = MultiHeadSelfAttention(c)
        self.sa_layer_norm = nn.LayerNorm(c['dim'], eps=1e-12)
        self.ffn = FFN(c)
        self.output_layer_norm = nn.LayerNorm(c['dim'], eps=1e-12)

    def forward(self, x, mask):
        sa = self.sa_layer_norm(self.attention(x, mask) + x)
        return self.output_layer_norm(self.ffn(sa) + sa)


class Transformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([TransformerBlock(c) for _ in range(c['n_layers'])])

    def forward(self, x, mask):
        for layer in self.layer:
            x = layer(x, mask)
        return x


class DistilBertModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = DistilEmbeddings(c)
        self.transformer = Transformer(c)

    def forward(self, input_ids, attention_mask):
        return self.transformer(self.embeddings(input_ids), attention_mask)


class DistilBertForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.distilbert = DistilBertModel(c)
        self.pre_classifier = nn.Linear(c['dim'], c['dim'])
        self.classifier = nn.Linear(c['dim'], c['num_labels'])
        self.dropout = nn.Dropout(c['seq_classif_dropout'])

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        h = self.distilbert(input_ids, attention_mask)[:, 0]
        return self.classifier(self.dropout(nn.functional.relu(self.pre_classifier(h))))


# ---------------------------------------------------------------------------------------------------------
# Fixture definitions
# ---------------------------------------------------------------------------------------------------------
BERT_CFG = {
    'model_type': 'bert', 'architectures': ['BertForSequenceClassification'], 'hidden_size': 32,
    'num_hidden_layers': 2, 'num_attention_heads': 4, 'intermediate_size': 64, 'vocab_size': 100,
    'max_position_embeddings': 40, 'type_vocab_size': 2, 'layer_norm_eps': 1e-12, 'hidden_act': 'gelu',
    'hidden_dropout_prob': 0.0, 'attention_probs_dropout_prob': 0.0, 'classifier_dropout': None,
    'pad_token_id': 0, 'initializer_range': 0.02, 'position_embedding_type': 'absolute',
    'id2label': {'0': 'neg', '1': 'neutral', '2': 'pos'}, 'label2id': {'neg': 0, 'neutral': 1, 'pos': 2},
}
DISTIL_CFG = {
    'model_type': 'distilbert', 'architectures': ['DistilBertForSequenceClassification'], 'dim': 32,
    'n_layers': 2, 'n_heads': 4, 'hidden_dim': 64, 'vocab_size': 100, 'max_position_embeddings': 40,
    'activation': 'gelu', 'dropout': 0.0, 'attention_dropout': 0.0, 'seq_classif_dropout': 0.0,
    'qa_dropout': 0.0, 'sinusoidal_pos_embds': False, 'pad_token_id': 0, 'initializer_range': 0.02,
    'id2label': {'0': 'NEGATIVE', '1': 'POSITIVE'}, 'label2id': {'NEGATIVE': 0, 'POSITIVE': 1},
}
ROBERTA_CFG = {
    'model_type': 'roberta', 'architectures': ['RobertaForSequenceClassification'], 'hidden_size': 32,
    'num_hidden_layers': 2, 'num_attention_heads': 4, 'intermediate_size': 64, 'vocab_size': 100,
    'max_position_embeddings': 40, 'type_vocab_size': 1, 'layer_norm_eps': 1e-5, 'hidden_act': 'gelu_new',
    'hidden_dropout_prob': 0.0, 'attention_probs_dropout_prob': 0.0, 'classifier_dropout': None,
    'pad_token_id': 1, 'bos_token_id': 0, 'eos_token_id': 2, 'initializer_range': 0.02,
    'position_embedding_type': 'absolute',
    'id2label': {'0': 'a', '1': 'b', '2': 'c'}, 'label2id': {'a': 0, 'b': 1, 'c': 2},
}

# Training configs use the engine trainer's field names (see the engine API contract).
# eps is 1e-6, not AdamW's 1e-8: the attention key biases have an exactly-zero gradient (softmax ignores a
# per-query constant), so in float32 their gradient is rounding noise (~1e-9) that Adam with eps 1e-8 would
# blow up to full lr-sized steps of random sign, in torch and in the engine alike. With 1e-6 that noise
# moves them by < 1e-5 and every parameter is reproducible.
BASE_TRAIN = {'lr': 1e-3, 'weightDecay': 0.01, 'betas': [0.9, 0.999], 'eps': 1e-6, 'maxGradNorm': 0,
              'warmupSteps': 0, 'totalSteps': 5, 'schedule': 'constant', 'gradAccumSteps': 1, 'seed': 0,
              'trainLayers': 'all', 'dropout': False}
FIXTURES = {
    # constant lr, no clipping, sentence pairs (token_type_ids), 3 labels
    'bert': (BertForSequenceClassification, BERT_CFG, dict(BASE_TRAIN), True),
    # clipping that bites, class weights, 2 labels
    'distilbert': (DistilBertForSequenceClassification, DISTIL_CFG,
                   dict(BASE_TRAIN, maxGradNorm=0.5, classWeights=[0.7, 1.3]), False),
    # linear schedule with warmup (step 0 has lr 0, as in HF), gelu_new, positions from padding
    'roberta': (RobertaForSequenceClassification, ROBERTA_CFG,
                dict(BASE_TRAIN, schedule='linear', warmupSteps=2, totalSteps=6), False),
}
STEPS = 5


def make_batch(cfg, seed, pairs):
    """4 x 12 batch: right padding of different lengths, repeated token ids, CLS/SEP-like specials."""
    g = torch.Generator().manual_seed(seed)
    pad = cfg['pad_token_id']
    lengths = [12, 9, 5, 7]
    b, s = len(lengths), max(lengths)
    ids = torch.full((b, s), pad, dtype=torch.long)
    mask = torch.zeros((b, s), dtype=torch.long)
    types = torch.zeros((b, s), dtype=torch.long)
    for i, n in enumerate(lengths):
        body = torch.randint(5, cfg['vocab_size'], (n - 2,), generator=g)
        body[1] = body[0]  # a duplicate inside a sequence (embedding-gradient accumulation)
        ids[i, 0], ids[i, 1:n - 1], ids[i, n - 1] = 2, body, 3
        mask[i, :n] = 1
        if pairs:
            types[i, n // 2:n] = 1
    ids[2, 2] = ids[0, 3]  # and duplicates across sequences
    labels = torch.tensor([0, 1, 1, 0]) if len(cfg['id2label']) == 2 else torch.tensor([2, 0, 1, 2])
    return ids, mask, types, labels


def randomize(model, seed):
    """Random weights, wider than HF's init so every parameter matters (LayerNorm weights are not all 1)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if 'LayerNorm' in name or 'layer_norm' in name:
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g) if name.endswith('weight')
                        else 0.05 * torch.randn(p.shape, generator=g))
            elif name.endswith('bias'):
                p.copy_(0.05 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.15 * torch.randn(p.shape, generator=g))
        # nn.Embedding(padding_idx=...) rows start at zero, as after HF's _init_weights.
        for m in model.modules():
            if isinstance(m, nn.Embedding) and m.padding_idx is not None:
                m.weight[m.padding_idx].zero_()


def no_decay(name):
    # transformers Trainer.get_decay_parameter_names: biases and LayerNorm parameters are not decayed.
    return name.endswith('bias') or 'LayerNorm' in name or 'layer_norm' in name


def lr_at(train, step):
    if train['schedule'] == 'constant':
        return train['lr']
    w, t = train['warmupSteps'], train['totalSteps']
    if step < w:
        return train['lr'] * step / max(1, w)
    return train['lr'] * max(0.0, (t - step) / max(1, t - w))


def run(cls, cfg, train, pairs, dtype):
    torch.manual_seed(0)
    model = cls(cfg)
    randomize(model, 1234)
    model = model.to(dtype)
    init = {k: v.detach().clone() for k, v in model.state_dict().items()}
    ids, mask, types, labels = make_batch(cfg, 99, pairs)
    tt = types if pairs else None
    model.eval()  # dropout is 0 anyway
    with torch.no_grad():
        logits0 = model(ids, mask, tt)
    params = list(model.named_parameters())
    groups = [{'params': [p for n, p in params if not no_decay(n)], 'weight_decay': train['weightDecay']},
              {'params': [p for n, p in params if no_decay(n)], 'weight_decay': 0.0}]
    opt = torch.optim.AdamW(groups, lr=train['lr'], betas=tuple(train['betas']), eps=train['eps'])
    cw = torch.tensor(train['classWeights'], dtype=dtype) if 'classWeights' in train else None
    losses, lrs, norms = [], [], []
    for step in range(STEPS):
        lr = lr_at(train, step)
        for grp in opt.param_groups:
            grp['lr'] = lr
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(ids, mask, tt), labels, weight=cw)
        loss.backward()
        if train['maxGradNorm'] > 0:
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), train['maxGradNorm'])
        else:
            norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad) for p in model.parameters()]))
        opt.step()
        losses.append(loss.item())
        lrs.append(lr)
        norms.append(norm.item())
    final = {k: v.detach().clone() for k, v in model.state_dict().items()}
    return init, final, logits0, losses, lrs, norms, (ids, mask, types, labels)


# ---------------------------------------------------------------------------------------------------------
# safetensors writer (the format is small enough to write by hand: no extra Python package needed)
# ---------------------------------------------------------------------------------------------------------
def write_safetensors(path, tensors, metadata=None):
    header, blobs, off = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name, t in tensors.items():
        t = t.detach().contiguous()
        dt = {torch.float32: 'F32', torch.int64: 'I64'}[t.dtype]
        raw = t.numpy().astype('<f4' if dt == 'F32' else '<i8').tobytes()
        header[name] = {'dtype': dt, 'shape': list(t.shape), 'data_offsets': [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for raw in blobs:
            f.write(raw)


def main():
    torch.set_num_threads(1)
    for arch, (cls, cfg, train, pairs) in FIXTURES.items():
        cfg = dict(cfg, num_labels=len(cfg['id2label']))
        init, final, logits0, losses, lrs, norms, batch = run(cls, cfg, train, pairs, torch.float32)
        _, final64, logits64, losses64, _, _, _ = run(cls, cfg, train, pairs, torch.float64)
        # Well-conditioned check: float32 rounding moves nothing near the tests' 1e-4 tolerance.
        drift = max((final[k].double() - final64[k]).abs().max().item() for k in final)
        loss_drift = max(abs(a - b) / abs(b) for a, b in zip(losses, losses64))
        logit_drift = (logits0.double() - logits64).abs().max().item()
        assert drift < 1e-5 and loss_drift < 1e-5 and logit_drift < 1e-5, (arch, drift, loss_drift, logit_drift)
        assert losses[-1] < losses[0], (arch, losses)
        if train['maxGradNorm'] > 0:
            assert any(n > train['maxGradNorm'] for n in norms), 'clipping must bite in this fixture'

        d = os.path.join(OUT, arch)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, 'config.json'), 'w') as f:
            json.dump(cfg, f, indent=2)
        write_safetensors(os.path.join(d, 'model.safetensors'), init, {'format': 'pt'})
        ids, mask, types, labels = batch
        expected = {
            'about': 'made by scripts/make_parity_fixtures.py with torch ' + torch.__version__,
            'batch': {'input_ids': ids.tolist(), 'attention_mask': mask.tolist(),
                      **({'token_type_ids': types.tolist()} if pairs else {}), 'labels': labels.tolist()},
            'train': train,
            'steps': STEPS,
            'losses': losses, 'lrs': lrs, 'gradNorms': norms,
            'float64Drift': {'params': drift, 'lossRel': loss_drift, 'logits': logit_drift},
        }
        with open(os.path.join(d, 'expected.json'), 'w') as f:
            json.dump(expected, f, indent=1)
        write_safetensors(os.path.join(d, 'expected.safetensors'),
                          {'logits': logits0, **{'final.' + k: v for k, v in final.items()}})
        size = sum(os.path.getsize(os.path.join(d, n)) for n in os.listdir(d))
        print(f'{arch}: {sum(v.numel() for v in init.values())} params, losses {[round(x, 5) for x in losses]}, '
              f'grad norms {[round(x, 3) for x in norms]}, float64 drift {drift:.1e}, {size // 1024} KiB')


if __name__ == '__main__':
    sys.exit(main())
