// BertForSequenceClassification: embeddings (word + position + token type, LayerNorm), post-LN encoder,
// pooler (dense + tanh on [CLS]), dropout, classifier. Parameter names are transformers' own.
import type { Graph } from '../ir/graph';
import type { Tensor } from '../ir/types';
import { arangeSeq, EncoderClassifier, firstToken, type Inputs, type LayerWeights, type ParamList } from './common';

export class BertClassifier extends EncoderClassifier {
  readonly architecture: string = 'bert';
  readonly inputNames = ['input_ids', 'attention_mask', 'token_type_ids'];
  /** 'bert' here; RoBERTa reuses the encoder under 'roberta'. */
  protected get base(): string {
    return 'bert';
  }

  protected declare(l: ParamList): void {
    const c = this.config;
    const e = `${this.base}.embeddings`;
    l.add(`${e}.word_embeddings.weight`, [c.vocabSize, c.hiddenSize], 'embeddings');
    l.add(`${e}.position_embeddings.weight`, [c.maxPositions, c.hiddenSize], 'embeddings');
    l.add(`${e}.token_type_embeddings.weight`, [c.typeVocabSize, c.hiddenSize], 'embeddings');
    l.norm(`${e}.LayerNorm`, c.hiddenSize, 'embeddings');
    this.declareLayers(l);
    this.declareHead(l);
  }

  protected declareHead(l: ParamList): void {
    const h = this.config.hiddenSize;
    l.linear('bert.pooler.dense', h, h, 'head');
    l.linear('classifier', this.numLabels, h, 'head');
  }

  protected layerWeights(i: number): LayerWeights {
    const L = `${this.base}.encoder.layer.${i}`;
    return {
      q: `${L}.attention.self.query`,
      k: `${L}.attention.self.key`,
      v: `${L}.attention.self.value`,
      out: `${L}.attention.output.dense`,
      norm1: `${L}.attention.output.LayerNorm`,
      ffnIn: `${L}.intermediate.dense`,
      ffnOut: `${L}.output.dense`,
      norm2: `${L}.output.LayerNorm`,
    };
  }

  /** Position ids [seq] or [batch, seq]; BERT counts 0..seq-1 (packed pieces: each piece from 0). */
  protected positionIds(g: Graph, inp: Inputs): Tensor {
    return inp.positionIds ?? arangeSeq(g);
  }

  /** Token-type vectors to add: BERT looks up token_type_ids (packed pieces have none: type 0, row 0). */
  protected tokenTypes(g: Graph, p: (n: string) => Tensor, inp: Inputs): Tensor {
    return g.gather(p(`${this.base}.embeddings.token_type_embeddings.weight`), inp.tokenTypeIds ?? g.scalar(0, 'int64'));
  }

  protected embed(g: Graph, p: (n: string) => Tensor, inp: Inputs): { hidden: Tensor; tokens: Tensor } {
    const e = `${this.base}.embeddings`;
    const tokens = g.gather(p(`${e}.word_embeddings.weight`), inp.inputIds);
    const pos = g.gather(p(`${e}.position_embeddings.weight`), this.positionIds(g, inp));
    const sum = g.add(g.add(tokens, this.tokenTypes(g, p, inp)), pos);
    const c = this.config;
    const hidden = g.dropout(g.layerNorm(sum, p(`${e}.LayerNorm.weight`), p(`${e}.LayerNorm.bias`), c.layerNormEps), c.hiddenDropout);
    return { hidden, tokens };
  }

  protected head(g: Graph, p: (n: string) => Tensor, hidden: Tensor): Tensor {
    const pooled = g.tanh(g.linear(firstToken(g, hidden), p('bert.pooler.dense.weight'), p('bert.pooler.dense.bias')));
    return g.linear(g.dropout(pooled, this.config.classifierDropout), p('classifier.weight'), p('classifier.bias'));
  }
}
