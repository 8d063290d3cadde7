// config.json for an exported BERT / DistilBERT / RoBERTa classifier, in the form transformers (Python) and
// transformers.js read: model_type, architectures, id2label / label2id, problem_type and the size fields under
// each family's own key names. A source config.json (the model the run started from) is kept as the base, so
// fields this project does not model (vocab details, tokenizer ids, ...) survive the export.
import type { TransformerConfig } from '../../engine/models';

const CLASS_NAMES: Record<TransformerConfig['architecture'], string> = {
  bert: 'BertForSequenceClassification',
  distilbert: 'DistilBertForSequenceClassification',
  roberta: 'RobertaForSequenceClassification',
};

const ACT_NAMES: Record<TransformerConfig['hiddenAct'], string> = { gelu: 'gelu', gelu_new: 'gelu_new', relu: 'relu' };

export function hfConfigJson(cfg: TransformerConfig, labels: readonly string[], source: Record<string, unknown> = {}): Record<string, unknown> {
  if (labels.length < 2) throw new Error(`export: a classifier needs at least 2 labels, got ${labels.length}`);
  if (new Set(labels).size !== labels.length) throw new Error(`export: label names must be distinct, got ${labels.join(', ')}`);
  const sizes =
    cfg.architecture === 'distilbert'
      ? {
          vocab_size: cfg.vocabSize,
          dim: cfg.hiddenSize,
          n_layers: cfg.numLayers,
          n_heads: cfg.numHeads,
          hidden_dim: cfg.intermediateSize,
          activation: ACT_NAMES[cfg.hiddenAct],
          dropout: cfg.hiddenDropout,
          attention_dropout: cfg.attentionDropout,
          seq_classif_dropout: cfg.classifierDropout,
          max_position_embeddings: cfg.maxPositions,
          sinusoidal_pos_embds: cfg.sinusoidalPositions,
        }
      : {
          vocab_size: cfg.vocabSize,
          hidden_size: cfg.hiddenSize,
          num_hidden_layers: cfg.numLayers,
          num_attention_heads: cfg.numHeads,
          intermediate_size: cfg.intermediateSize,
          hidden_act: ACT_NAMES[cfg.hiddenAct],
          hidden_dropout_prob: cfg.hiddenDropout,
          attention_probs_dropout_prob: cfg.attentionDropout,
          classifier_dropout: cfg.classifierDropout,
          max_position_embeddings: cfg.maxPositions,
          type_vocab_size: cfg.typeVocabSize,
          layer_norm_eps: cfg.layerNormEps,
          position_embedding_type: 'absolute',
        };
  return {
    ...source,
    model_type: cfg.modelType || cfg.architecture,
    architectures: [CLASS_NAMES[cfg.architecture]],
    ...sizes,
    pad_token_id: cfg.padTokenId,
    initializer_range: cfg.initializerRange,
    id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
    num_labels: labels.length,
    problem_type: 'single_label_classification',
  };
}
