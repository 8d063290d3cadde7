// The Datasets view: the built-in movie reviews and every dataset imported in this workspace, with the counts the
// host reported when it prepared them (examples, labels, split sizes). Remembered in the workspace state.
import * as vscode from 'vscode';
import type { DatasetSummary } from '../protocol';

export const BUILTIN_DATASET = 'builtin:movie-reviews';

export interface DatasetEntry {
  /** What the host takes as DataSource.data: 'builtin:movie-reviews' or a path. */
  source: string;
  name: string;
  summary?: DatasetSummary;
  split?: { validation: number; test: number; seed: number };
}

export type DatasetsNode = { type: 'dataset'; entry: DatasetEntry } | { type: 'detail'; label: string; description: string };

const KEY = 'guidedFinetune.datasets';

export class DatasetsTree implements vscode.TreeDataProvider<DatasetsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly state: vscode.Memento) {}

  entries(): DatasetEntry[] {
    const saved = this.state.get<DatasetEntry[]>(KEY, []);
    const builtin = saved.find((d) => d.source === BUILTIN_DATASET) ?? { source: BUILTIN_DATASET, name: 'Movie reviews (built-in)' };
    return [builtin, ...saved.filter((d) => d.source !== BUILTIN_DATASET)];
  }

  refresh(): void {
    this.changed.fire();
  }

  async upsert(entry: DatasetEntry): Promise<void> {
    const rest = this.entries().filter((d) => d.source !== entry.source);
    await this.state.update(KEY, [...rest, entry]);
    this.changed.fire();
  }

  getTreeItem(node: DatasetsNode): vscode.TreeItem {
    if (node.type === 'detail') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
      item.description = node.description;
      return item;
    }
    const { entry } = node;
    const s = entry.summary;
    const item = new vscode.TreeItem(entry.name, s ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = entry.source;
    item.iconPath = new vscode.ThemeIcon(entry.source === BUILTIN_DATASET ? 'library' : 'database');
    const total = s ? s.sizes.train + s.sizes.validation + s.sizes.test : undefined;
    item.description = s ? `${total} examples · ${s.labels.length} labels` : 'not prepared yet';
    item.tooltip = entry.source;
    item.contextValue = 'dataset';
    return item;
  }

  getChildren(node?: DatasetsNode): DatasetsNode[] {
    if (!node) return this.entries().map((entry) => ({ type: 'dataset', entry }));
    if (node.type !== 'dataset' || !node.entry.summary) return [];
    const s = node.entry.summary;
    const out: DatasetsNode[] = [
      { type: 'detail', label: 'split', description: `train ${s.sizes.train} · validation ${s.sizes.validation} · test ${s.sizes.test}` },
    ];
    for (const label of s.labels) {
      const c = s.labelCounts[label];
      if (c) out.push({ type: 'detail', label, description: `${c.train + c.validation + c.test} (train ${c.train} · val ${c.validation} · test ${c.test})` });
    }
    for (const w of s.warnings) out.push({ type: 'detail', label: '⚠', description: w });
    return out;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
