// The HF folder loader on checkpoint variants: bare models (no 'bert.' prefix), TF-era LayerNorm gamma/beta
// names, extra pre-training heads, sharded files, and folders whose weights do not fit their config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSequenceClassifier } from '../../../src/engine/models';
import { readSafetensors, writeSafetensors, type SafeTensor } from '../../../src/engine/weights/safetensors';
import { readFixture } from './fixtures';

function variant(arch: 'bert' | 'distilbert' | 'roberta', edit: (t: Map<string, SafeTensor>) => Map<string, SafeTensor>, cfgEdit?: (c: any) => void): string {
  const src = readFixture(arch).folder;
  const dir = mkdtempSync(join(tmpdir(), `gft-load-${arch}-`));
  const cfg = JSON.parse(readFileSync(join(src, 'config.json'), 'utf8'));
  cfgEdit?.(cfg);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
  writeSafetensors(join(dir, 'model.safetensors'), edit(readSafetensors(join(src, 'model.safetensors'))));
  return dir;
}

function same(a: Float32Array | undefined, b: Float32Array | undefined): boolean {
  return !!a && !!b && a.length === b.length && a.every((v, i) => v === b[i]);
}

test('a bare BertModel checkpoint with gamma/beta names and an MLM head loads; pooler kept, classifier new', () => {
  const ref = loadSequenceClassifier(readFixture('bert').folder);
  const dir = variant(
    'bert',
    (t) => {
      const out = new Map<string, SafeTensor>();
      for (const [k, v] of t) {
        if (k.startsWith('classifier.')) continue;
        out.set(
          k
            .replace(/^bert\./, '')
            .replace(/LayerNorm\.weight$/, 'LayerNorm.gamma')
            .replace(/LayerNorm\.bias$/, 'LayerNorm.beta'),
          v,
        );
      }
      out.set('cls.predictions.bias', { dtype: 'F32', shape: [100], data: new Float32Array(100) });
      out.set('embeddings.position_ids', { dtype: 'I64', shape: [1, 40], data: new BigInt64Array(40) });
      return out;
    },
    (c) => {
      delete c.id2label;
      delete c.label2id;
    },
  );
  try {
    const got = loadSequenceClassifier(dir, { numLabels: 3, seed: 5 });
    assert.deepEqual(got.initialized, ['classifier.weight', 'classifier.bias']);
    assert.deepEqual(got.ignored.sort(), ['cls.predictions.bias', 'embeddings.position_ids']);
    for (const p of got.model.params) {
      if (p.name.startsWith('classifier.')) continue;
      assert.ok(same(got.weights.get(p.name), ref.weights.get(p.name)), `${p.name} should come from the checkpoint`);
    }
    assert.ok(got.weights.has('bert.encoder.layer.1.output.LayerNorm.weight'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a DistilBertModel checkpoint without the classifier head gets a fresh pre_classifier and classifier', () => {
  const dir = variant('distilbert', (t) => new Map([...t].filter(([k]) => k.startsWith('distilbert.')).map(([k, v]) => [k.slice('distilbert.'.length), v])));
  try {
    const got = loadSequenceClassifier(dir);
    assert.deepEqual(got.initialized, ['pre_classifier.weight', 'pre_classifier.bias', 'classifier.weight', 'classifier.bias']);
    assert.equal(got.model.numLabels, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a RoBERTa masked-LM checkpoint (lm_head, pooler) loads with a new classification head', () => {
  const dir = variant('roberta', (t) => {
    const out = new Map([...t].filter(([k]) => !k.startsWith('classifier.')));
    out.set('lm_head.dense.weight', { dtype: 'F32', shape: [32, 32], data: new Float32Array(1024) });
    out.set('roberta.pooler.dense.weight', { dtype: 'F32', shape: [32, 32], data: new Float32Array(1024) });
    return out;
  });
  try {
    const got = loadSequenceClassifier(dir, { numLabels: 4 });
    assert.deepEqual(got.initialized, ['classifier.dense.weight', 'classifier.dense.bias', 'classifier.out_proj.weight', 'classifier.out_proj.bias']);
    assert.deepEqual(got.ignored.sort(), ['lm_head.dense.weight', 'roberta.pooler.dense.weight']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sharded checkpoints load like single files', () => {
  const src = readFixture('distilbert').folder;
  const dir = mkdtempSync(join(tmpdir(), 'gft-load-shard-'));
  try {
    copyFileSync(join(src, 'config.json'), join(dir, 'config.json'));
    const all = [...readSafetensors(join(src, 'model.safetensors'))];
    const half = all.length >> 1;
    const map: Record<string, string> = {};
    [all.slice(0, half), all.slice(half)].forEach((part, i) => {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      writeSafetensors(join(dir, file), new Map(part));
      for (const [k] of part) map[k] = file;
    });
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: map }));
    const got = loadSequenceClassifier(dir);
    const ref = loadSequenceClassifier(src);
    assert.deepEqual(got.initialized, []);
    for (const [k, v] of ref.weights) assert.ok(same(got.weights.get(k), v), k);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('weights that do not fit the config give one-line errors', () => {
  const wrongShape = variant(
    'bert',
    (t) => t,
    (c) => {
      c.intermediate_size = 48;
    },
  );
  const missing = variant('bert', (t) => new Map([...t].filter(([k]) => !k.includes('layer.1.'))));
  try {
    assert.throws(
      () => loadSequenceClassifier(wrongShape),
      /tensor 'bert\.encoder\.layer\.0\.intermediate\.dense\.weight' has shape \[64,32\] but the config says \[48,32\]; config\.json and the weights do not belong together/,
    );
    assert.throws(() => loadSequenceClassifier(missing), /16 bert weight\(s\) missing, e\.g\. 'bert\.encoder\.layer\.1\.attention\.self\.query\.weight'/);
    assert.throws(() => loadSequenceClassifier(missing, { numLabels: 1 }), /numLabels must be an integer >= 2, got 1/);
  } finally {
    rmSync(wrongShape, { recursive: true, force: true });
    rmSync(missing, { recursive: true, force: true });
  }
});
