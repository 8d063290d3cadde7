// Wires the extension's parts together. Domain logic lives in the host; this file only connects VS Code to it.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { registerCommands } from './commands';
import { DatasetsTree } from './datasetsTree';
import { HostService } from './hostService';
import { ResultsPanel } from './results/panel';
import { registerRunManagement } from './runManagement';
import { RunsTree } from './runsTree';
import { runsFolder } from './settings';
import { StatusBar } from './statusBar';
import { readManifest } from './viewmodel/runFiles';
import { runName } from '../protocol';
import { runFile } from '../shared/node/runFiles';

/** A run folder's name for messages (its run.json's name, or the default), or the folder's name. */
function nameOf(dir: string): string {
  const m = readManifest(dir);
  return m ? runName(m) : basename(dir);
}

/** What activate() returns: used by the integration tests to see what the results panels drew. */
export interface ExtensionApi {
  runsFolder(): string;
  /** The Runs view's top-level items as VS Code would show them (label, description, context value). */
  runItems(): { label: string; description: string; contextValue: string }[];
  onDidChangeRuns: vscode.Event<unknown>;
  renderedPoints(runDir: string): Record<string, number> | undefined;
  onDidRender(runDir: string, listener: (points: Record<string, number>) => void): vscode.Disposable | undefined;
}

export class Extension implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private watcher: vscode.Disposable | undefined;
  private poll: ReturnType<typeof setInterval> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  readonly api: ExtensionApi;

  constructor(private readonly context: vscode.ExtensionContext) {
    const output = vscode.window.createOutputChannel('Guided Fine-Tune');
    const host = new HostService(context, output);
    const runs = new RunsTree(() => runsFolder(context));
    const datasets = new DatasetsTree(context.workspaceState);
    const status = new StatusBar();
    const runDirs = new Map<string, string>();
    this.disposables.push(
      output,
      host,
      runs,
      datasets,
      status,
      vscode.window.createTreeView('guidedFinetune.runs', { treeDataProvider: runs, showCollapseAll: true }),
      vscode.window.createTreeView('guidedFinetune.datasets', { treeDataProvider: datasets }),
      host.onRunStarted((r) => {
        runDirs.set(r.runId, r.runDir);
        runs.refresh();
      }),
      host.onProgress((p) => {
        const dir = runDirs.get(p.runId);
        runs.setProgress(p);
        status.progress(p, dir, dir ? nameOf(dir) : undefined);
        if (dir) ResultsPanel.progress(dir, p);
      }),
      host.onRunEnded((r) => {
        status.end(r.runId, r.status, nameOf(r.runDir));
        runs.refresh();
        ResultsPanel.fileChanged(r.runDir + '/');
      }),
      // Live charts: the host's metric notification arrives as soon as the line is in metrics.jsonl.
      host.onMetric((m) => {
        const dir = runDirs.get(m.runId);
        if (dir) ResultsPanel.fileChanged(runFile(dir, 'metrics'));
      }),
      ...registerCommands({ context, host, runs, datasets, output, activeRuns: () => status.runs().map((r) => (r.runDir ? nameOf(r.runDir) : r.runId)) }),
      ...registerRunManagement({ runs, runsFolder: () => runsFolder(context), output }),
      host.onHostExit((message) => {
        status.hostExited();
        runs.refresh();
        void vscode.window.showWarningMessage(`Guided Fine-Tune: ${message}.`, 'Show Log').then((a) => a && output.show());
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('guidedFinetune.runsFolder')) this.watch(runs, status);
        // Only when idle: restarting would cancel a job in progress.
        if (
          ['device', 'threads', 'modelCacheFolder'].some((k) => e.affectsConfiguration(`guidedFinetune.${k}`)) &&
          runs.current().every((r) => r.manifest.status !== 'running')
        )
          host.restart();
      }),
    );
    this.watch(runs, status);
    this.api = {
      runsFolder: () => runsFolder(context),
      runItems: () =>
        runs.getChildren().map((n) => {
          const item = runs.getTreeItem(n);
          return { label: String(item.label ?? ''), description: String(item.description ?? ''), contextValue: item.contextValue ?? '' };
        }),
      onDidChangeRuns: runs.onDidChangeTreeData,
      renderedPoints: (dir) => ResultsPanel.get(dir)?.rendered,
      onDidRender: (dir, listener) => ResultsPanel.get(dir)?.onDidRender(listener),
    };
  }

  /** Follows the runs folder: any change under it refreshes the tree and the panels showing that run. */
  private watch(runs: RunsTree, status: StatusBar): void {
    this.watcher?.dispose();
    const root = runsFolder(this.context);
    const onChange = (uri: vscode.Uri) => {
      ResultsPanel.fileChanged(uri.fsPath);
      // Coalesce bursts (a run writes several files per step).
      if (this.refreshTimer) return;
      this.refreshTimer = setTimeout(() => {
        this.refreshTimer = undefined;
        runs.refresh();
      }, 200);
    };
    // Watched from its parent: a runs folder that does not exist yet (a fresh workspace) is seen when it is created.
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dirname(root)), `${basename(root)}/**/*`));
    w.onDidCreate(onChange);
    w.onDidChange(onChange);
    w.onDidDelete(onChange);
    this.watcher = w;
    // File events can be late or dropped (network drives, some remote setups): while a run is in progress, also
    // look every 2 s. It costs one stat per run file.
    if (this.poll) clearInterval(this.poll);
    let seen = existsSync(root);
    this.poll = setInterval(() => {
      // The runs folder appearing is also looked for here, in case its creation event is missed.
      if (!seen && existsSync(root)) {
        seen = true;
        runs.refresh();
      }
      // The status bar shows a run only while its run.json says running (a run ended by another window, the CLI,
      // or a host that was restarted is taken off).
      for (const s of status.runs()) {
        const m = s.runDir ? readManifest(s.runDir) : undefined;
        if (m && m.status !== 'running') status.end(s.runId, m.status, runName(m));
      }
      const live = runs.current().filter((r) => r.manifest.status === 'running');
      if (live.length === 0) return;
      runs.refresh();
      for (const r of live) ResultsPanel.fileChanged(r.dir + '/');
    }, 2000);
  }

  dispose(): void {
    this.watcher?.dispose();
    if (this.poll) clearInterval(this.poll);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    for (const d of this.disposables) d.dispose();
  }
}
