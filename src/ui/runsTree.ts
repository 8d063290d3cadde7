// The Runs view: one item per run folder (kind, status icon, live progress or best metric), its checkpoints as
// children; a search (gft search) is one item whose children are its final run and its trials. It reads the folders on disk (src/ui/viewmodel/runFiles) and follows them with a FileSystemWatcher,
// so runs started from the CLI show up too.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { ensemblePoolingText, runName, type Progress, type RunManifest } from '../protocol';
import { ensembleMembers, listCheckpoints, listRuns, type EnsembleMemberView, type RunListing } from './viewmodel/runFiles';
import { listSearches, searchItem, searchRole, searchRunDirs, type SearchListing } from './viewmodel/search';
import { checkpointDir } from '../shared/node/runFiles';
import { CHECKPOINT_BEST } from '../shared/runLayout';
import { bestMetric, duration, kindLabel, pct, progressText, startedShort, statusIcon } from './viewmodel/format';

export { progressText };

export type RunsNode =
  | { type: 'run'; dir: string; manifest: RunManifest }
  | { type: 'checkpoint'; runDir: string; name: string }
  /** A member of an ensemble run (run.json's config.members): its name, weight and test accuracy. */
  | { type: 'member'; runDir: string; member: EnsembleMemberView }
  | ({ type: 'search' } & SearchListing);

export class RunsTree implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private runs: RunListing[] = [];
  private readonly progress = new Map<string, Progress>();

  constructor(private readonly root: () => string) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  /** Live progress from the host, shown as the run's description until the run ends (the status bar shows the same line). */
  setProgress(p: Progress): void {
    this.progress.set(p.runId, p);
    const run = this.runs.find((r) => r.manifest.id === p.runId);
    if (run) this.changed.fire({ type: 'run', ...run });
    else this.refresh();
  }

  current(): RunListing[] {
    return this.runs;
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    if (node.type === 'search') {
      const v = searchItem(node);
      const item = new vscode.TreeItem(v.label, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = node.dir;
      item.description = v.description;
      item.tooltip = v.tooltip.join('\n');
      item.iconPath = new vscode.ThemeIcon(node.record.status === 'running' ? 'sync~spin' : 'search');
      item.contextValue = `search.${node.record.status}`;
      item.command = { command: 'guidedFinetune.openSearch', title: 'Open Search Trials', arguments: [node] };
      return item;
    }
    if (node.type === 'member') {
      const x = node.member;
      const item = new vscode.TreeItem(x.name, vscode.TreeItemCollapsibleState.None);
      item.description = `weight ${x.weight.toFixed(2)}${x.test ? ` · test ${pct(x.test.accuracy)}` : ''}`;
      item.iconPath = new vscode.ThemeIcon('references');
      item.contextValue = 'ensembleMember';
      item.tooltip = `member ${x.id} of this ensemble: ${x.dir}`;
      item.id = `${node.runDir}#member:${x.id}`;
      item.command = { command: 'guidedFinetune.openResults', title: 'Open Results', arguments: [{ type: 'run', dir: x.dir }] };
      return item;
    }
    if (node.type === 'checkpoint') {
      const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon(node.name === CHECKPOINT_BEST ? 'star-full' : 'save');
      item.contextValue = 'checkpoint';
      item.resourceUri = vscode.Uri.file(checkpointDir(node.runDir, node.name));
      item.tooltip = item.resourceUri.fsPath;
      item.id = `${node.runDir}#${node.name}`;
      return item;
    }
    const m = node.manifest;
    const checkpoints = listCheckpoints(node.dir);
    const members = ensembleMembers(node.dir, m);
    // The run's short name (editable: Rename Run); the id, kind and model are in the tooltip.
    // Under a search, which trial or the final run first: the side bar cuts the description, and the final run's
    // name repeats the best trial's.
    const item = new vscode.TreeItem(
      [searchRole(m), runName(m)].filter(Boolean).join(' · '),
      checkpoints.length || members.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    item.id = node.dir;
    const live = m.status === 'running' ? this.progress.get(m.id) : undefined;
    const settled = [bestMetric(m) || m.status, startedShort(m.startedAt)].filter(Boolean).join(' · ');
    item.description = live ? progressText(live) : m.status === 'running' ? `running · ${startedShort(m.startedAt)}` : settled;
    item.iconPath = new vscode.ThemeIcon(statusIcon(m.status), m.status === 'failed' ? new vscode.ThemeColor('errorForeground') : undefined);
    item.contextValue = `run.${m.status}`;
    const tip = new vscode.MarkdownString();
    tip.appendMarkdown(`**${runName(m)}**\n\n`);
    tip.appendMarkdown(`run ${m.id}${basename(node.dir) !== m.id ? ` (folder ${basename(node.dir)})` : ''}\n\n`);
    tip.appendMarkdown(`${kindLabel(m.kind)} — ${m.status}${m.durationMs ? ` in ${duration(m.durationMs)}` : ''}\n\n`);
    if (m.model?.id) tip.appendMarkdown(`model: ${m.model.id}  \n`);
    if (m.dataset?.id) tip.appendMarkdown(`dataset: ${m.dataset.id}  \n`);
    if (m.test) tip.appendMarkdown(`test accuracy: ${pct(m.test.accuracy)}  \n`);
    if (members.length) tip.appendMarkdown(`members: ${members.map((x) => `${x.name} (weight ${x.weight.toFixed(2)})`).join(', ')}  \n`);
    if (members.length) tip.appendMarkdown(`pooled: ${ensemblePoolingText(m.config)}  \n`);
    if (m.error) tip.appendMarkdown(`\nerror: ${m.error}`);
    item.tooltip = tip;
    item.command = { command: 'guidedFinetune.openResults', title: 'Open Results', arguments: [node] };
    return item;
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (!node) {
      this.runs = listRuns(this.root());
      const searches = listSearches(this.root());
      // the trials' progress updates their search's item (it is found among the runs the tree knows)
      for (const s of searches) this.runs.push(...listRuns(s.dir));
      return [
        ...searches.map((s): RunsNode => ({ type: 'search', ...s })),
        ...listRuns(this.root()).map((r): RunsNode => ({ type: 'run', dir: r.dir, manifest: r.manifest })),
      ];
    }
    if (node.type === 'search') {
      const byDir = new Map(listRuns(node.dir).map((r) => [r.dir, r.manifest]));
      return searchRunDirs(node).flatMap((dir): RunsNode[] => (byDir.has(dir) ? [{ type: 'run', dir, manifest: byDir.get(dir)! }] : []));
    }
    if (node.type === 'run')
      return [
        ...ensembleMembers(node.dir, node.manifest).map((member) => ({ type: 'member' as const, runDir: node.dir, member })),
        ...listCheckpoints(node.dir).map((name) => ({ type: 'checkpoint' as const, runDir: node.dir, name })),
      ];
    return [];
  }

  dispose(): void {
    this.changed.dispose();
  }
}
