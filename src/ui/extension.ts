// Wires the extension's parts together. Domain logic lives in the host; this file only connects VS Code to it.
import * as vscode from 'vscode';
import { ExplorerTree } from './explorerTree';

export class Extension implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];

  constructor(context: vscode.ExtensionContext) {
    const tree = new ExplorerTree(context);
    this.disposables.push(
      vscode.window.registerTreeDataProvider('guidedFinetune.explorer', tree),
      vscode.commands.registerCommand('guidedFinetune.refresh', () => tree.refresh()),
      vscode.commands.registerCommand('guidedFinetune.showRunsFolder', () => {
        void vscode.window.showInformationMessage(`Runs folder: ${tree.runsFolder()}`);
      }),
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
