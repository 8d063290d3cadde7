// Status bar item: idle, or the running job's phase and progress (from the host's progress notifications).
import * as vscode from 'vscode';
import type { Progress } from '../protocol';
import { progressText } from './runsTree';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('guidedFinetune.status', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = 'Guided Fine-Tune';
    this.idle();
    this.item.show();
  }

  idle(): void {
    this.item.text = '$(beaker) Fine-Tune';
    this.item.tooltip = 'Guided Fine-Tune: no job running. Click to show runs.';
    this.item.command = 'workbench.view.extension.guidedFinetune';
  }

  progress(p: Progress, runDir?: string): void {
    if (p.phase === 'done') {
      this.idle();
      return;
    }
    this.item.text = `$(sync~spin) ${progressText(p)}`;
    this.item.tooltip = `Guided Fine-Tune: run ${p.runId} on ${p.device}. Click to open its results.`;
    this.item.command = runDir
      ? { command: 'guidedFinetune.openResults', title: 'Open Results', arguments: [{ type: 'run', dir: runDir }] }
      : 'workbench.view.extension.guidedFinetune';
  }

  dispose(): void {
    this.item.dispose();
  }
}
