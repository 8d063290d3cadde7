// The extension activates inside a real VS Code (code-server 1.100.3) and registers what its manifest contributes.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, manifest } from './util';

suite('activation', () => {
  test('the extension is found and activates without error', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  test('every command in the manifest is registered', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    const declared = manifest().contributes.commands.map((c) => c.command);
    assert.ok(declared.length > 0, 'the manifest declares no commands');
    const missing = declared.filter((c) => !all.has(c));
    assert.deepEqual(missing, [], `commands declared but not registered: ${missing.join(', ')}`);
  });

  test('the view container and its views are contributed', () => {
    const m = manifest();
    const containers = m.contributes.viewsContainers.activitybar.map((c) => c.id);
    assert.ok(containers.includes('guidedFinetune'));
    assert.ok((m.contributes.views.guidedFinetune ?? []).length > 0);
  });
});
