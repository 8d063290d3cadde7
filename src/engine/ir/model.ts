// The interface every model architecture implements (src/engine/models/*.ts).
import type { Graph } from './graph';
import type { Tensor } from './types';

export interface ParamInfo {
  name: string;
  shape: number[];
  /** 'embeddings' | 'layer.<i>' (0-based, bottom to top) | 'head' (classifier and pooler/pre_classifier) */
  group: string;
  decay: boolean;
}

export interface SequenceClassifier {
  readonly architecture: string;
  readonly numLabels: number;
  readonly numLayers: number;
  /** subset of ['input_ids','attention_mask','token_type_ids'], int64 [batch, seq] */
  readonly inputNames: string[];
  readonly params: ParamInfo[];
  buildLogits(g: Graph, opts?: { trainable?: (name: string) => boolean }): { logits: Tensor; inputEmbeds: Tensor };
  buildPooled?(g: Graph, opts?: { trainable?: (name: string) => boolean }): Tensor;
  /** buildPooled, and the token embeddings it was computed from (what saliency differentiates). */
  buildPooledTokens?(g: Graph, opts?: { trainable?: (name: string) => boolean }): { pooled: Tensor; tokens: Tensor };
}
