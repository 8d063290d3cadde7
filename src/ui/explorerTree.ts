import * as vscode from 'vscode';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export class ExplorerTree implements vscode.TreeDataProvider<string> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly context: vscode.ExtensionContext) {}

  runsFolder(): string {
    const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    return ws ? join(ws, 'runs') : join(this.context.globalStorageUri.fsPath, 'runs');
  }

  refresh(): void {
    this.changed.fire();
  }

  getTreeItem(element: string): vscode.TreeItem {
    return new vscode.TreeItem(element, vscode.TreeItemCollapsibleState.None);
  }

  getChildren(): string[] {
    const dir = this.runsFolder();
    return existsSync(dir) ? readdirSync(dir).sort() : [];
  }
}
