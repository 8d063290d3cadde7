// Beyond this machine, from the extension (runs after ui.test.ts: suites load in name order): "Import Model..." turns
// a Hugging Face checkpoint folder into a completed run in the Runs view, evaluated by the host; "Export as Trainer
// Job" writes that run's job folder. The checkpoint is the parity fixtures' tiny BERT (3 labels) with a WordPiece
// tokenizer written here.
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { RunResult } from '../../../src/protocol';
import type { ExtensionApi } from '../../../src/ui/extension';
import { EXTENSION_ID, extensionPath, waitFor, workspaceRoot } from './util';

function tinyCheckpoint(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const fixture = join(extensionPath(), 'test', 'fixtures', 'parity', 'bert');
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(fixture, f), join(dir, f));
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const words = Array.from({ length: 95 }, (_, i) => `w${i}`);
  const vocab = Object.fromEntries([...specials, ...words].map((t, i) => [t, i]));
  const special = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  writeFileSync(
    join(dir, 'tokenizer.json'),
    JSON.stringify({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specials.map((c) => ({ id: vocab[c], content: c, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]')],
        pair: [
          special('[CLS]'),
          { Sequence: { id: 'A', type_id: 0 } },
          special('[SEP]'),
          { Sequence: { id: 'B', type_id: 1 } },
          { SpecialToken: { id: '[SEP]', type_id: 1 } },
        ],
        special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
      },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
    }),
  );
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: 40,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
    }),
  );
  return words;
}

suite('trainer job and imported model', () => {
  test('Import Model... makes a completed run of a checkpoint folder; Export as Trainer Job writes its job', async () => {
    const ext = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
    assert.ok(ext);
    const api = await ext.activate();
    const ws = workspaceRoot();
    const model = join(ws, 'tiny-checkpoint');
    const words = tinyCheckpoint(model);
    const labels = ['neg', 'neutral', 'pos'];
    const data = join(ws, 'three-way.jsonl');
    writeFileSync(
      data,
      Array.from({ length: 60 }, (_, i) =>
        JSON.stringify({ text: Array.from({ length: 3 + (i % 9) }, (_, j) => words[(i * 7 + j * 13) % words.length]).join(' '), label: labels[i % 3] }),
      ).join('\n') + '\n',
    );
    const r = (await vscode.commands.executeCommand('guidedFinetune.importModel', { model, data: { data }, name: 'imported in the extension' })) as
      RunResult | undefined;
    assert.ok(r, 'the command answered');
    assert.equal(r.status, 'completed', r.error);
    assert.ok(r.test && r.test.n > 0, 'evaluated on the test split');
    const manifest = JSON.parse(readFileSync(join(r.runDir, 'run.json'), 'utf8')) as { name: string; config: { imported?: { leakage: { checked: boolean } } } };
    assert.equal(manifest.name, 'imported in the extension');
    assert.equal(manifest.config.imported?.leakage.checked, false, 'no gft_job.json: the leakage check says why not');
    await waitFor(
      () => api.runItems().find((i) => i.label === 'imported in the extension' && i.contextValue === 'run.completed'),
      'the imported run in the Runs view',
    );

    const out = join(ws, 'trainer-job');
    await vscode.commands.executeCommand('guidedFinetune.exportTrainerJob', { type: 'run', dir: r.runDir }, out);
    for (const f of ['train.py', 'job.json', 'README.md', 'data/test.jsonl', 'model/model.safetensors'])
      assert.ok(existsSync(join(out, f)), `${f} in the job folder`);
    const job = JSON.parse(readFileSync(join(out, 'job.json'), 'utf8')) as { labels: string[] };
    assert.deepEqual(job.labels, labels);
  });
});
