// RobertaForSequenceClassification: BERT's encoder under 'roberta.', positions numbered from padding_idx + 1
// over non-pad tokens (transformers' create_position_ids_from_input_ids), a one-row token type table that is
// always row 0, no pooler, and the RobertaClassificationHead (dropout, dense, tanh, dropout, out_proj).
import type { Graph } from '../ir/graph';
import type { Tensor } from '../ir/types';
import { BertClassifier } from './bert';
import { firstToken, type Inputs, type ParamList } from './common';

export class RobertaClassifier extends BertClassifier {
  override readonly architecture: string = 'roberta';
  override readonly inputNames = ['input_ids', 'attention_mask'];
  protected override get base(): string {
    return 'roberta';
  }

  protected override declareHead(l: ParamList): void {
    const h = this.config.hiddenSize;
    l.linear('classifier.dense', h, h, 'head');
    l.linear('classifier.out_proj', this.numLabels, h, 'head');
  }

  /**
   * cumsum(ids != pad) * (ids != pad) + pad: pads get position pad, real tokens pad+1, pad+2, ... (packed pieces:
   * each piece's own positions + pad + 1, the same for a piece without pad tokens inside).
   */
  protected override positionIds(g: Graph, inp: Inputs): Tensor {
    const pad = this.config.padTokenId;
    if (inp.positionIds) return g.add(inp.positionIds, g.scalar(pad + 1, 'int64'));
    const notPad = g.where(g.equal(inp.inputIds, g.scalar(pad, 'int64')), g.scalar(0, 'int64'), g.scalar(1, 'int64'));
    const cum = g.node('CumSum', [notPad, g.scalar(1, 'int64')], [['int64', ['batch', 'seq']]])[0];
    return g.add(g.mul(cum, notPad), g.scalar(pad, 'int64'));
  }

  /** token_type_ids default to zeros in RobertaEmbeddings: every token adds row 0. */
  protected override tokenTypes(g: Graph, p: (n: string) => Tensor): Tensor {
    return g.gather(p('roberta.embeddings.token_type_embeddings.weight'), g.scalar(0, 'int64'));
  }

  protected override head(g: Graph, p: (n: string) => Tensor, hidden: Tensor): Tensor {
    const drop = (t: Tensor) => g.dropout(t, this.config.classifierDropout);
    const x = g.tanh(g.linear(drop(firstToken(g, hidden)), p('classifier.dense.weight'), p('classifier.dense.bias')));
    return g.linear(drop(x), p('classifier.out_proj.weight'), p('classifier.out_proj.bias'));
  }
}
