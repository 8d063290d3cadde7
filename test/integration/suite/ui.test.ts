// The extension against real run folders on disk (written with the host's RunFolder): the Runs tree follows the
// folder, the results panel plots metrics.jsonl and keeps up as it grows, and the reflection gets the numbers.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/ui/extension';
import { startRun, type TestRun } from '../runWriter';
import { EXTENSION_ID, waitFor, workspaceRoot } from './util';

suite('runs and results', () => {
  let api: ExtensionApi;
  let run: TestRun;

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
  });

  test('the runs folder defaults to runs/ in the workspace', () => {
    assert.equal(api.runsFolder(), join(workspaceRoot(), 'runs'));
  });

  test('a run folder written on disk appears in the Runs tree (FileSystemWatcher), with status and kind', async () => {
    let changes = 0;
    const sub = api.onDidChangeRuns(() => changes++);
    try {
      run = startRun(api.runsFolder(), { id: 'it-finetune', model: 'starter' });
      run.steps(1, 20);
      await waitFor(() => changes > 0, 'a Runs tree refresh after the run folder appeared');
    } finally {
      sub.dispose();
    }
    const items = api.runItems();
    assert.equal(items.length, 1);
    // The default name: the model and the settings that tell runs apart (the id is in the tooltip).
    assert.equal(items[0].label, 'starter · full · 2 ep · lr 5e-5');
    assert.equal(items[0].contextValue, 'run.running');
    assert.match(items[0].description, /^running · \d\d:\d\d$/);
  });

  test('the results panel plots metrics.jsonl and follows it as it grows', async () => {
    await vscode.commands.executeCommand('guidedFinetune.openResults', { type: 'run', dir: run.dir });
    // 20 steps: 20 raw + 20 smoothed train-loss points, 2 validation losses (every 10 steps).
    const first = await waitFor(
      () => (api.renderedPoints(run.dir)?.loss === 42 ? api.renderedPoints(run.dir) : undefined),
      'the loss chart with 42 points',
      30_000,
    );
    assert.equal(first.accuracy, 2 * 2, 'validation accuracy and macro-F1 at steps 10 and 20');
    assert.equal(first.lr, 20);
    run.steps(21, 40);
    const later = await waitFor(
      () => (api.renderedPoints(run.dir)?.loss === 84 ? api.renderedPoints(run.dir) : undefined),
      'the loss chart to grow to 84 points',
      30_000,
    );
    assert.equal(later.lr, 40);
  });

  test('a completed run shows its test accuracy in the tree and in the reflection', async () => {
    await run.checkpoint('best');
    run.complete(400, 0.85);
    const item = await waitFor(() => api.runItems().find((i) => i.contextValue === 'run.completed'), 'the run to show as completed', 20_000);
    const acc = /^test acc (\d+\.\d%) · \d\d:\d\d$/.exec(item.description)?.[1];
    assert.ok(acc, `unexpected description: ${item.description}`);
    const ws = workspaceRoot();
    await vscode.commands.executeCommand('guidedFinetune.writeReflection');
    const path = join(ws, 'REFLECTION.md');
    assert.ok(existsSync(path));
    const text = readFileSync(path, 'utf8');
    // Written by the host from the run folder (runs/reflection): the run's row with its accuracy, the questions.
    assert.ok(text.includes(`| Fine-tuned starter | starter | ${acc} | `), text.slice(0, 800));
    assert.ok(text.includes('`it-finetune`'), 'the reflection names the run');
    assert.ok(text.includes('## 3. What limits it in production?'));
  });
});
