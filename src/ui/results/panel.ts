// What every results panel shares (src/ui/results/runPanel.ts: one run; comparePanel.ts: several runs): a webview
// (dist/webview.js, @vscode-elements + uPlot, no remote loads, strict CSP with a nonce), the registry of open panels
// by key, coalesced updates while the run folders change on disk, polling while a run is live, and the messages
// both pages send (ready, openRun, command, rendered).
import * as vscode from 'vscode';
import { statSync } from 'node:fs';
import type { Progress } from '../../protocol';
import type { FromWebview, ToWebview } from '../../protocol/webviewMessages';
import { webviewPage } from '../webviewPage';

/** Size and mtime of a file ('' when absent): whether it changed since the last look. */
export function signature(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return '';
  }
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, mode: 'run' | 'compare', title: string): string {
  return webviewPage(webview, extensionUri, {
    script: 'webview.js',
    styles: ['base.css', 'results.css', 'panel.css'],
    title,
    images: true,
    root: { id: 'app', data: { mode }, live: true },
  });
}

export abstract class ResultsPanel implements vscode.Disposable {
  /** Open panels by key: a run panel by its run folder, the comparison panel by 'compare'. */
  protected static readonly open = new Map<string, ResultsPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  protected ready = false;
  private pending: ReturnType<typeof setTimeout> | undefined;
  private livePoll: ReturnType<typeof setInterval> | undefined;
  /** Points the webview last reported drawing, per chart id (read by the integration tests). */
  rendered: Record<string, number> = {};
  private readonly renderedEmitter = new vscode.EventEmitter<Record<string, number>>();
  readonly onDidRender = this.renderedEmitter.event;
  protected disposed = false;

  protected constructor(
    protected readonly extensionUri: vscode.Uri,
    protected readonly panel: vscode.WebviewPanel,
    readonly key: string,
    /** The run folders shown: a file changing under one of them updates the panel. */
    protected readonly runDirs: string[],
  ) {
    ResultsPanel.open.set(key, this);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: FromWebview) => this.receive(m)),
      this.renderedEmitter,
    );
  }

  protected static create(extensionUri: vscode.Uri, title: string): vscode.WebviewPanel {
    return vscode.window.createWebviewPanel('guidedFinetune.results', title, vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    });
  }

  reveal(): void {
    this.panel.reveal();
  }

  static get(key: string): ResultsPanel | undefined {
    return ResultsPanel.open.get(key);
  }

  /** The host's progress of a run: the panel showing it says the step, the time left, and offers Cancel. */
  static progress(dir: string, p: Progress): void {
    ResultsPanel.open.get(dir)?.showProgress(p);
  }

  /** A file in some run folder changed: update the panels that show it (coalesced). */
  static fileChanged(path: string): void {
    for (const p of ResultsPanel.open.values()) {
      if (p.runDirs.some((d) => path.startsWith(d))) p.schedule();
    }
  }

  /** Re-reads the run folders and posts what changed. */
  protected abstract update(): void;
  /** What the page's command buttons (evaluate, export, ...) act on: a run, or nothing (the command asks). */
  protected abstract commandArg(): { type: 'run'; dir: string } | undefined;
  /** A run's progress from the host; only a run panel shows it. */
  protected showProgress(_p: Progress): void {}
  /** A reloaded webview starts empty: forget what was sent so that everything is sent again. */
  protected resetSent(): void {}
  /** Messages only this kind of panel's page sends. */
  protected receiveOwn(_m: FromWebview): void {}

  protected post(m: ToWebview): void {
    void this.panel.webview.postMessage(m);
  }

  protected schedule(): void {
    if (this.pending || !this.ready) return;
    // At most four updates a second, however fast the host appends.
    this.pending = setTimeout(() => {
      this.pending = undefined;
      try {
        this.update();
      } catch (e) {
        this.post({ type: 'notice', level: 'error', message: `Could not read ${this.runDirs.join(', ')}: ${e instanceof Error ? e.message : String(e)}` });
      }
    }, 250);
  }

  /**
   * File events can arrive late, coalesced or not at all (remote and network folders): while a run shown is in
   * progress the panel also re-reads every 1.5 s, until it has shown the final state once.
   */
  protected pollWhile(live: boolean): void {
    if (live && !this.livePoll) {
      this.livePoll = setInterval(() => this.schedule(), 1500);
    } else if (!live && this.livePoll) {
      clearInterval(this.livePoll);
      this.livePoll = undefined;
    }
  }

  private receive(m: FromWebview): void {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.resetSent();
        this.update();
        break;
      case 'openRun':
        void vscode.commands.executeCommand('guidedFinetune.openResults', { type: 'run', dir: m.dir });
        break;
      case 'command': {
        const ids: Record<typeof m.command, string> = {
          compare: 'guidedFinetune.compareRuns',
          evaluate: 'guidedFinetune.evaluateRun',
          export: 'guidedFinetune.exportModel',
          tryText: 'guidedFinetune.tryModel',
          reflect: 'guidedFinetune.writeReflection',
          cancel: 'guidedFinetune.cancelRun',
        };
        void vscode.commands.executeCommand(ids[m.command], this.commandArg());
        break;
      }
      case 'rendered':
        this.rendered = m.points;
        this.renderedEmitter.fire(m.points);
        break;
      default:
        this.receiveOwn(m);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (ResultsPanel.open.get(this.key) === this) ResultsPanel.open.delete(this.key);
    if (this.pending) clearTimeout(this.pending);
    if (this.livePoll) clearInterval(this.livePoll);
    this.panel.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
