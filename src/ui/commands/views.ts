// Commands of the views themselves: refresh, the log, and the runs folder.
import * as vscode from 'vscode';
import { mkdirSync } from 'node:fs';
import type { RunsNode } from '../runsTree';
import type { Commands } from './common';
import { checkpointDir } from '../../shared/node/runFiles';

export function registerViewCommands(c: Commands): vscode.Disposable[] {
  const d = c.d;
  return [
    vscode.commands.registerCommand('guidedFinetune.refresh', () => {
      d.runs.refresh();
      d.datasets.refresh();
    }),
    vscode.commands.registerCommand('guidedFinetune.showLog', () => d.output.show()),
    vscode.commands.registerCommand('guidedFinetune.showRunsFolder', () => {
      void vscode.window.showInformationMessage(`Runs folder: ${c.root()}`);
    }),

    c.reg('guidedFinetune.openRunFolder', async (arg?: RunsNode) => {
      const dir = arg?.type === 'checkpoint' ? checkpointDir(arg.runDir, arg.name) : arg?.type === 'run' ? arg.dir : c.root();
      mkdirSync(dir, { recursive: true });
      const uri = vscode.Uri.file(dir);
      // Inside the workspace: show it in the Explorer view (works in the browser too); else the system file manager.
      if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
      else await vscode.commands.executeCommand('revealFileInOS', uri);
    }),
  ];
}
