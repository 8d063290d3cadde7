// A tiny SequenceClassifier used by the engine tests (mirrors fixtures/make_trainer_fixture.py).
import type { Graph, ParamInfo, SequenceClassifier, Tensor } from '../../../src/engine';

export class TinyClassifier implements SequenceClassifier {
  readonly architecture = 'tiny';
  readonly numLayers = 2;
  readonly inputNames = ['input_ids', 'attention_mask'];
  readonly params: ParamInfo[];
  constructor(
    readonly vocab: number,
    readonly hidden: number,
    readonly numLabels: number,
    readonly dropoutRate = 0.1,
  ) {
    const H = hidden;
    const p = (name: string, shape: number[], group: string) => ({ name, shape, group, decay: shape.length === 2 });
    this.params = [
      p('emb.weight', [vocab, H], 'embeddings'),
      p('layer.0.dense.weight', [H, H], 'layer.0'),
      p('layer.0.dense.bias', [H], 'layer.0'),
      p('layer.0.norm.weight', [H], 'layer.0'),
      p('layer.0.norm.bias', [H], 'layer.0'),
      p('layer.1.dense.weight', [H, H], 'layer.1'),
      p('layer.1.dense.bias', [H], 'layer.1'),
      p('classifier.weight', [numLabels, H], 'head'),
      p('classifier.bias', [numLabels], 'head'),
    ];
  }
  buildLogits(g: Graph, opts: { trainable?: (name: string) => boolean } = {}): { logits: Tensor; inputEmbeds: Tensor } {
    const P = new Map(this.params.map((i) => [i.name, g.param(i.name, i.shape, { trainable: opts.trainable?.(i.name) ?? true, decay: i.decay })]));
    const p = (n: string) => P.get(n)!;
    const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
    const mask = g.input('attention_mask', 'int64', ['batch', 'seq']);
    const e = g.gather(p('emb.weight'), ids);
    let h = g.tanh(g.linear(e, p('layer.0.dense.weight'), p('layer.0.dense.bias')));
    h = g.layerNorm(g.add(h, e), p('layer.0.norm.weight'), p('layer.0.norm.bias'), 1e-5);
    h = g.dropout(h, this.dropoutRate);
    h = g.gelu(g.linear(h, p('layer.1.dense.weight'), p('layer.1.dense.bias')));
    const m = g.unsqueeze(g.cast(mask, 'float32'), [2]);
    const pooled = g.div(g.reduceSum(g.mul(h, m), [1]), g.reduceSum(m, [1]));
    return { logits: g.linear(pooled, p('classifier.weight'), p('classifier.bias')), inputEmbeds: e };
  }
}
