// Context-menu actions on a run in the Runs view that manage run folders rather than ask the host:
// delete (with a modal confirmation; never a running run) and "compare with…" (this run against others).
import * as vscode from 'vscode';
import type { RunsNode, RunsTree } from './runsTree';
import { kindLabel, pct } from './viewmodel/format';
import { listRuns, renameRun } from './viewmodel/runFiles';
import { runName } from '../protocol';
import { deletableReason } from './viewmodel/runDelete';

export interface RunManagementDeps {
  runs: RunsTree;
  runsFolder: () => string;
  output: vscode.OutputChannel;
}

export function registerRunManagement(d: RunManagementDeps): vscode.Disposable[] {
  const fail = (e: unknown) => {
    d.output.appendLine(`[error] ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    void vscode.window.showErrorMessage(e instanceof Error ? e.message.split('\n')[0] : String(e));
  };
  return [
    vscode.commands.registerCommand('guidedFinetune.deleteRun', async (arg?: RunsNode) => {
      try {
        if (arg?.type !== 'run') throw new Error('Delete Run works on a run in the Runs view: right-click the run.');
        const why = deletableReason(arg.dir, d.runsFolder());
        if (why) throw new Error(why);
        const answer = await vscode.window.showWarningMessage(
          `Delete run ${arg.manifest.id}?`,
          {
            modal: true,
            detail: `The folder ${arg.dir} (checkpoints, metrics, predictions) goes to the trash where the system has one, otherwise it is removed.`,
          },
          'Delete',
        );
        if (answer !== 'Delete') return;
        await vscode.workspace.fs.delete(vscode.Uri.file(arg.dir), { recursive: true, useTrash: true }).then(undefined, async () => {
          // No trash on this system (e.g. a server without one): delete for good, as the dialog said.
          await vscode.workspace.fs.delete(vscode.Uri.file(arg.dir), { recursive: true, useTrash: false });
        });
        d.output.appendLine(`[runs] deleted ${arg.dir}`);
        d.runs.refresh();
      } catch (e) {
        fail(e);
      }
    }),
    vscode.commands.registerCommand('guidedFinetune.renameRun', async (arg?: RunsNode) => {
      try {
        if (arg?.type !== 'run') throw new Error('Rename Run works on a run in the Runs view: right-click the run.');
        const current = runName(arg.manifest);
        const name = await vscode.window.showInputBox({
          prompt: `A short name for run ${arg.manifest.id} (shown in the Runs view, results and comparisons; the id stays)`,
          value: current,
          validateInput: (v) =>
            v.trim() === ''
              ? 'Enter a name (an empty name would leave only the id).'
              : v.trim().length > 80
                ? `At most 80 characters (${v.trim().length} now).`
                : undefined,
        });
        if (name === undefined || name.trim() === current) return;
        renameRun(arg.dir, name.trim());
        d.output.appendLine(`[runs] renamed ${arg.manifest.id} to "${name.trim()}"`);
        d.runs.refresh();
      } catch (e) {
        fail(e);
      }
    }),
    vscode.commands.registerCommand('guidedFinetune.compareWith', async (arg?: RunsNode) => {
      try {
        if (arg?.type !== 'run') throw new Error('Compare With… works on a run in the Runs view: right-click the run.');
        const others = listRuns(d.runsFolder()).filter((r) => r.dir !== arg.dir && r.manifest.test);
        if (others.length === 0) throw new Error('No other evaluated run to compare with: run a baseline or another fine-tune first.');
        const picks = await vscode.window.showQuickPick(
          others.map((r) => ({
            label: runName(r.manifest),
            description: `${r.manifest.id} · ${kindLabel(r.manifest.kind)} · test accuracy ${pct(r.manifest.test?.accuracy)}`,
            dir: r.dir,
          })),
          { canPickMany: true, placeHolder: `Compare "${runName(arg.manifest)}" with which runs?`, matchOnDescription: true },
        );
        if (!picks?.length) return;
        await vscode.commands.executeCommand('guidedFinetune.compareRuns', [arg.dir, ...picks.map((p) => p.dir)]);
      } catch (e) {
        fail(e);
      }
    }),
  ];
}
