// Reads a Hugging Face config.json of the BERT family into one normalised shape the model builders use.
// Defaults are those of transformers' BertConfig / RobertaConfig / DistilBertConfig when a key is absent.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Architecture = 'bert' | 'distilbert' | 'roberta';
export type HiddenAct = 'gelu' | 'gelu_new' | 'relu';

export interface TransformerConfig {
  architecture: Architecture;
  /** config.json's model_type as written (e.g. 'xlm-roberta' maps to architecture 'roberta'). */
  modelType: string;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  vocabSize: number;
  maxPositions: number;
  /** 0 for DistilBERT (no token type embedding). */
  typeVocabSize: number;
  layerNormEps: number;
  hiddenDropout: number;
  attentionDropout: number;
  /** Dropout before the classifier (HF: classifier_dropout ?? hidden_dropout_prob; DistilBERT: seq_classif_dropout). */
  classifierDropout: number;
  hiddenAct: HiddenAct;
  padTokenId: number;
  /**
   * RoBERTa numbers positions from padTokenId + 1 and gives pad tokens position padTokenId
   * (transformers' create_position_ids_from_input_ids); BERT and DistilBERT number them from 0.
   */
  positionsFromPadding: boolean;
  /** DistilBERT's sinusoidal_pos_embds: position table is fixed, not trained. */
  sinusoidalPositions: boolean;
  numLabels: number;
  /** Label names by index when config.json has id2label. */
  labels?: string[];
  initializerRange: number;
}

export const SUPPORTED_MODEL_TYPES: Record<string, Architecture> = {
  bert: 'bert',
  distilbert: 'distilbert',
  roberta: 'roberta',
  'xlm-roberta': 'roberta',
  camembert: 'roberta',
};

const ACTS: Record<string, HiddenAct> = { gelu: 'gelu', gelu_new: 'gelu_new', gelu_pytorch_tanh: 'gelu_new', relu: 'relu' };

type Json = Record<string, unknown>;

export function readHfConfig(folder: string): TransformerConfig {
  const path = join(folder, 'config.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`${path} not found: a Hugging Face model folder needs its config.json`);
  }
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch {
    throw new Error(`${path} is not valid JSON; re-download it`);
  }
  return parseHfConfig(json, path);
}

export function parseHfConfig(json: Json, where = 'config.json'): TransformerConfig {
  const modelType = String(json.model_type ?? '');
  const architecture = SUPPORTED_MODEL_TYPES[modelType];
  if (!architecture) {
    throw new Error(`${where}: model_type '${modelType || '(missing)'}' is not supported; supported: ${Object.keys(SUPPORTED_MODEL_TYPES).join(', ')}`);
  }
  const num = (key: string, dflt?: number): number => {
    const v = json[key];
    if (v === undefined || v === null) {
      if (dflt === undefined) throw new Error(`${where}: '${key}' is missing; it is required for model_type ${modelType}`);
      return dflt;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: '${key}' must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const actOf = (key: string, dflt: string): HiddenAct => {
    const raw = String(json[key] ?? dflt);
    const act = ACTS[raw];
    if (!act) throw new Error(`${where}: ${key} '${raw}' is not supported; supported: ${Object.keys(ACTS).join(', ')}`);
    return act;
  };

  let cfg: TransformerConfig;
  if (architecture === 'distilbert') {
    const dropout = num('dropout', 0.1);
    cfg = {
      architecture,
      modelType,
      hiddenSize: num('dim', 768),
      numLayers: num('n_layers', 6),
      numHeads: num('n_heads', 12),
      intermediateSize: num('hidden_dim', 3072),
      vocabSize: num('vocab_size', 30522),
      maxPositions: num('max_position_embeddings', 512),
      typeVocabSize: 0,
      layerNormEps: 1e-12, // hard-coded in transformers' DistilBERT
      hiddenDropout: dropout,
      attentionDropout: num('attention_dropout', 0.1),
      classifierDropout: num('seq_classif_dropout', 0.2),
      hiddenAct: actOf('activation', 'gelu'),
      padTokenId: num('pad_token_id', 0),
      positionsFromPadding: false,
      sinusoidalPositions: json.sinusoidal_pos_embds === true,
      numLabels: 2,
      initializerRange: num('initializer_range', 0.02),
    };
  } else {
    const hiddenDropout = num('hidden_dropout_prob', 0.1);
    const positionType = String(json.position_embedding_type ?? 'absolute');
    if (positionType !== 'absolute') {
      throw new Error(`${where}: position_embedding_type '${positionType}' is not supported; only 'absolute' is`);
    }
    const isRoberta = architecture === 'roberta';
    cfg = {
      architecture,
      modelType,
      hiddenSize: num('hidden_size', 768),
      numLayers: num('num_hidden_layers', 12),
      numHeads: num('num_attention_heads', 12),
      intermediateSize: num('intermediate_size', 3072),
      vocabSize: num('vocab_size', isRoberta ? 50265 : 30522),
      maxPositions: num('max_position_embeddings', isRoberta ? 514 : 512),
      typeVocabSize: num('type_vocab_size', isRoberta ? 1 : 2),
      layerNormEps: num('layer_norm_eps', isRoberta ? 1e-5 : 1e-12),
      hiddenDropout,
      attentionDropout: num('attention_probs_dropout_prob', 0.1),
      classifierDropout: num('classifier_dropout', hiddenDropout),
      hiddenAct: actOf('hidden_act', 'gelu'),
      padTokenId: num('pad_token_id', isRoberta ? 1 : 0),
      positionsFromPadding: isRoberta,
      sinusoidalPositions: false,
      numLabels: 2,
      initializerRange: num('initializer_range', 0.02),
    };
  }
  const labels = readLabels(json, where);
  if (labels) {
    cfg.labels = labels;
    cfg.numLabels = labels.length;
  } else {
    cfg.numLabels = num('num_labels', 2);
  }
  if (cfg.hiddenSize % cfg.numHeads !== 0) {
    throw new Error(`${where}: hidden size ${cfg.hiddenSize} is not a multiple of the ${cfg.numHeads} attention heads`);
  }
  for (const [k, v] of Object.entries(cfg)) {
    if (typeof v === 'number' && (v < 0 || (!Number.isInteger(v) && !/Dropout|Eps|Range/.test(k)))) {
      throw new Error(`${where}: ${k} = ${v} is not valid`);
    }
  }
  return cfg;
}

function readLabels(json: Json, where: string): string[] | undefined {
  const id2label = json.id2label as Record<string, string> | undefined;
  if (!id2label || typeof id2label !== 'object') return undefined;
  const keys = Object.keys(id2label)
    .map(Number)
    .sort((a, b) => a - b);
  if (keys.length === 0) return undefined;
  if (keys.some((k, i) => k !== i)) throw new Error(`${where}: id2label keys must be 0..${keys.length - 1}, got ${Object.keys(id2label).join(', ')}`);
  return keys.map((k) => String(id2label[String(k)]));
}
