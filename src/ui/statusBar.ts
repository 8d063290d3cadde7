// Status bar item: idle, or the running job's phase and progress (from the host's progress notifications). It
// follows each run's real state: a run leaves it when it ends (the host's answer, a cancel, run.json no longer
// 'running') or when the host exits; progress that arrives after a run ended is ignored.
import * as vscode from 'vscode';
import type { Progress } from '../protocol';
import { progressText } from './viewmodel/format';

interface Active {
  progress: Progress;
  runDir?: string;
  name?: string;
}

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('guidedFinetune.status', vscode.StatusBarAlignment.Left, 10);
  private readonly active = new Map<string, Active>();
  private readonly ended = new Set<string>();
  private last: string | undefined;

  constructor() {
    this.item.name = 'Guided Fine-Tune';
    this.render();
    this.item.show();
  }

  /** Runs this bar shows as in progress, with their folders (the extension checks their run.json). */
  runs(): { runId: string; runDir?: string }[] {
    return [...this.active].map(([runId, a]) => ({ runId, runDir: a.runDir }));
  }

  progress(p: Progress, runDir?: string, name?: string): void {
    if (this.ended.has(p.runId)) return;
    if (p.phase === 'done') {
      this.end(p.runId, 'completed');
      return;
    }
    this.active.set(p.runId, { progress: p, runDir, name });
    this.render();
  }

  /** The run ended (completed, failed, cancelled) or is no longer running anywhere. */
  end(runId: string, how: string, name?: string): void {
    this.ended.add(runId);
    const a = this.active.get(runId);
    this.active.delete(runId);
    this.last = `${name ?? a?.name ?? runId} ${how}`;
    this.render();
  }

  /** The host exited: nothing it ran is running any more. */
  hostExited(): void {
    for (const id of this.active.keys()) this.ended.add(id);
    this.active.clear();
    this.last = 'the training host stopped; the next job starts a new one';
    this.render();
  }

  private render(): void {
    const runs = [...this.active.entries()];
    if (runs.length === 0) {
      this.item.text = '$(beaker) Fine-Tune';
      this.item.tooltip = `Guided Fine-Tune: no job running${this.last ? ` (last: ${this.last})` : ''}. Click to show runs.`;
      this.item.command = 'workbench.view.extension.guidedFinetune';
      return;
    }
    const [runId, a] = runs[runs.length - 1];
    this.item.text = `$(sync~spin) ${progressText(a.progress)}${runs.length > 1 ? ` (+${runs.length - 1})` : ''}`;
    this.item.tooltip = `Guided Fine-Tune: run ${a.name ? `"${a.name}" (${runId})` : runId} on ${a.progress.device}. Click to open its results.`;
    this.item.command = a.runDir
      ? { command: 'guidedFinetune.openResults', title: 'Open Results', arguments: [{ type: 'run', dir: a.runDir }] }
      : 'workbench.view.extension.guidedFinetune';
  }

  dispose(): void {
    this.item.dispose();
  }
}
