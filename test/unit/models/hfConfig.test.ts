import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHfConfig, readHfConfig } from '../../../src/engine/weights/hfConfig';

// The config.json files of the published checkpoints, as on the Hugging Face hub.
const bertBaseUncased = {
  architectures: ['BertForMaskedLM'],
  attention_probs_dropout_prob: 0.1,
  gradient_checkpointing: false,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  hidden_size: 768,
  initializer_range: 0.02,
  intermediate_size: 3072,
  layer_norm_eps: 1e-12,
  max_position_embeddings: 512,
  model_type: 'bert',
  num_attention_heads: 12,
  num_hidden_layers: 12,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
  transformers_version: '4.6.0.dev0',
  type_vocab_size: 2,
  use_cache: true,
  vocab_size: 30522,
};
const distilbertBaseUncased = {
  activation: 'gelu',
  architectures: ['DistilBertForMaskedLM'],
  attention_dropout: 0.1,
  dim: 768,
  dropout: 0.1,
  hidden_dim: 3072,
  initializer_range: 0.02,
  max_position_embeddings: 512,
  model_type: 'distilbert',
  n_heads: 12,
  n_layers: 6,
  pad_token_id: 0,
  qa_dropout: 0.1,
  seq_classif_dropout: 0.2,
  sinusoidal_pos_embds: false,
  tie_weights_: true,
  transformers_version: '4.10.0.dev0',
  vocab_size: 30522,
};
const robertaBase = {
  architectures: ['RobertaForMaskedLM'],
  attention_probs_dropout_prob: 0.1,
  bos_token_id: 0,
  eos_token_id: 2,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  hidden_size: 768,
  initializer_range: 0.02,
  intermediate_size: 3072,
  layer_norm_eps: 1e-5,
  max_position_embeddings: 514,
  model_type: 'roberta',
  num_attention_heads: 12,
  num_hidden_layers: 12,
  pad_token_id: 1,
  type_vocab_size: 1,
  vocab_size: 50265,
};
const miniLmL6 = {
  _name_or_path: 'nreimers/MiniLM-L6-H384-uncased',
  architectures: ['BertModel'],
  attention_probs_dropout_prob: 0.1,
  gradient_checkpointing: false,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  hidden_size: 384,
  initializer_range: 0.02,
  intermediate_size: 1536,
  layer_norm_eps: 1e-12,
  max_position_embeddings: 512,
  model_type: 'bert',
  num_attention_heads: 12,
  num_hidden_layers: 6,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
  type_vocab_size: 2,
  vocab_size: 30522,
};

test('bert-base-uncased', () => {
  const c = parseHfConfig(bertBaseUncased);
  assert.equal(c.architecture, 'bert');
  assert.deepEqual(
    [c.hiddenSize, c.numLayers, c.numHeads, c.intermediateSize, c.vocabSize, c.maxPositions, c.typeVocabSize],
    [768, 12, 12, 3072, 30522, 512, 2],
  );
  assert.equal(c.layerNormEps, 1e-12);
  assert.equal(c.classifierDropout, 0.1, 'classifier_dropout falls back to hidden_dropout_prob');
  assert.equal(c.hiddenAct, 'gelu');
  assert.equal(c.positionsFromPadding, false);
  assert.equal(c.numLabels, 2);
});

test('distilbert-base-uncased uses its own key names', () => {
  const c = parseHfConfig(distilbertBaseUncased);
  assert.equal(c.architecture, 'distilbert');
  assert.deepEqual([c.hiddenSize, c.numLayers, c.numHeads, c.intermediateSize], [768, 6, 12, 3072]);
  assert.equal(c.typeVocabSize, 0);
  assert.equal(c.classifierDropout, 0.2);
  assert.equal(c.attentionDropout, 0.1);
  assert.equal(c.layerNormEps, 1e-12);
  assert.equal(c.sinusoidalPositions, false);
});

test('roberta-base numbers positions from the padding index', () => {
  const c = parseHfConfig(robertaBase);
  assert.equal(c.architecture, 'roberta');
  assert.equal(c.padTokenId, 1);
  assert.equal(c.positionsFromPadding, true);
  assert.equal(c.maxPositions, 514);
  assert.equal(c.typeVocabSize, 1);
  assert.equal(c.layerNormEps, 1e-5);
  assert.equal(parseHfConfig({ ...robertaBase, model_type: 'xlm-roberta' }).architecture, 'roberta');
});

test('MiniLM is BERT-shaped', () => {
  const c = parseHfConfig(miniLmL6);
  assert.deepEqual([c.architecture, c.hiddenSize, c.numLayers, c.numHeads, c.intermediateSize], ['bert', 384, 6, 12, 1536]);
});

test('labels come from id2label, else num_labels; classifier_dropout overrides; gelu_new accepted', () => {
  const c = parseHfConfig({ ...bertBaseUncased, id2label: { 0: 'NEGATIVE', 1: 'NEUTRAL', 2: 'POSITIVE' }, classifier_dropout: 0.3, hidden_act: 'gelu_new' });
  assert.equal(c.numLabels, 3);
  assert.deepEqual(c.labels, ['NEGATIVE', 'NEUTRAL', 'POSITIVE']);
  assert.equal(c.classifierDropout, 0.3);
  assert.equal(c.hiddenAct, 'gelu_new');
  assert.equal(parseHfConfig({ ...bertBaseUncased, num_labels: 5 }).numLabels, 5);
});

test('unsupported inputs give one-line errors naming the problem', () => {
  assert.throws(
    () => parseHfConfig({ model_type: 'gpt2' }),
    /model_type 'gpt2' is not supported; supported: bert, distilbert, roberta, xlm-roberta, camembert$/,
  );
  assert.throws(() => parseHfConfig({ ...bertBaseUncased, hidden_act: 'swish' }), /hidden_act 'swish' is not supported/);
  assert.throws(() => parseHfConfig({ ...bertBaseUncased, position_embedding_type: 'relative_key' }), /position_embedding_type 'relative_key'/);
  assert.throws(() => parseHfConfig({ ...bertBaseUncased, hidden_size: 100 }), /not a multiple of the 12 attention heads/);
  assert.throws(() => parseHfConfig({ ...bertBaseUncased, hidden_size: '768' }), /'hidden_size' must be a number/);
  const dir = mkdtempSync(join(tmpdir(), 'gft-cfg-'));
  try {
    assert.throws(() => readHfConfig(dir), /config\.json not found/);
    writeFileSync(join(dir, 'config.json'), '{ nope');
    assert.throws(() => readHfConfig(dir), /config\.json is not valid JSON/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(robertaBase));
    assert.equal(readHfConfig(dir).architecture, 'roberta');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
