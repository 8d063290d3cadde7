// DistilBertForSequenceClassification: embeddings (word + position, LayerNorm; no token types), post-LN
// transformer blocks with q_lin/k_lin/v_lin/out_lin, sa_layer_norm, ffn.lin1/lin2, output_layer_norm, then
// pre_classifier + ReLU + dropout(seq_classif_dropout) + classifier on the first token.
import type { Graph } from '../ir/graph';
import type { Tensor } from '../ir/types';
import { arangeSeq, EncoderClassifier, firstToken, type Inputs, type LayerWeights, type ParamList } from './common';

const POSITIONS = 'distilbert.embeddings.position_embeddings.weight';

export class DistilBertClassifier extends EncoderClassifier {
  readonly architecture = 'distilbert';
  readonly inputNames = ['input_ids', 'attention_mask'];

  protected declare(l: ParamList): void {
    const c = this.config;
    l.add('distilbert.embeddings.word_embeddings.weight', [c.vocabSize, c.hiddenSize], 'embeddings');
    l.add(POSITIONS, [c.maxPositions, c.hiddenSize], 'embeddings');
    l.norm('distilbert.embeddings.LayerNorm', c.hiddenSize, 'embeddings');
    this.declareLayers(l);
    l.linear('pre_classifier', c.hiddenSize, c.hiddenSize, 'head');
    l.linear('classifier', this.numLabels, c.hiddenSize, 'head');
  }

  protected override fixedParams(): ReadonlySet<string> {
    return new Set(this.config.sinusoidalPositions ? [POSITIONS] : []);
  }

  protected layerWeights(i: number): LayerWeights {
    const L = `distilbert.transformer.layer.${i}`;
    return {
      q: `${L}.attention.q_lin`,
      k: `${L}.attention.k_lin`,
      v: `${L}.attention.v_lin`,
      out: `${L}.attention.out_lin`,
      norm1: `${L}.sa_layer_norm`,
      ffnIn: `${L}.ffn.lin1`,
      ffnOut: `${L}.ffn.lin2`,
      norm2: `${L}.output_layer_norm`,
    };
  }

  protected embed(g: Graph, p: (n: string) => Tensor, inp: Inputs): { hidden: Tensor; tokens: Tensor } {
    const c = this.config;
    const tokens = g.gather(p('distilbert.embeddings.word_embeddings.weight'), inp.inputIds);
    const sum = g.add(tokens, g.gather(p(POSITIONS), inp.positionIds ?? arangeSeq(g)));
    const ln = g.layerNorm(sum, p('distilbert.embeddings.LayerNorm.weight'), p('distilbert.embeddings.LayerNorm.bias'), c.layerNormEps);
    return { hidden: g.dropout(ln, c.hiddenDropout), tokens };
  }

  protected head(g: Graph, p: (n: string) => Tensor, hidden: Tensor): Tensor {
    const x = g.relu(g.linear(firstToken(g, hidden), p('pre_classifier.weight'), p('pre_classifier.bias')));
    return g.linear(g.dropout(x, this.config.classifierDropout), p('classifier.weight'), p('classifier.bias'));
  }
}
