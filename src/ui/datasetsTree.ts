// The Datasets view: the built-in movie reviews, the built-in movie snippets (rt-polarity, out of domain for the
// review models) and every dataset imported in this workspace, with the counts the
// host reported when it prepared them (examples, labels, split sizes). Remembered in the workspace state.
import * as vscode from 'vscode';
import type { DatasetSummary } from '../protocol';
import { splitCounts } from './viewmodel/datasets';

export const BUILTIN_DATASET = 'builtin:movie-reviews';
/** Pang & Lee's sentence polarity v1.0: 10,662 snippets of ~20 words, the out-of-domain check for review models. */
export const BUILTIN_SNIPPETS = 'builtin:rt-polarity';

/** The built-ins the view always lists: source, the name shown elsewhere, the label in the view, what it holds. */
export const BUILTINS: readonly { source: string; name: string; label: string; description: string }[] = [
  { source: BUILTIN_DATASET, name: 'Movie reviews (built-in)', label: 'Movie reviews', description: '2000 reviews, pos/neg' },
  {
    source: BUILTIN_SNIPPETS,
    name: 'Movie snippets (built-in, rt-polarity)',
    label: 'Movie snippets',
    description: '10,662 snippets of ~20 words, pos/neg: out of domain for the review models',
  },
];

export function isBuiltinSource(source: string): boolean {
  return BUILTINS.some((b) => b.source === source);
}

export interface DatasetEntry {
  /** What the host takes as DataSource.data: 'builtin:movie-reviews' or a path. */
  source: string;
  name: string;
  summary?: DatasetSummary;
  split?: { validation: number; test: number; seed: number };
}

export type DatasetsNode = { type: 'dataset'; entry: DatasetEntry } | { type: 'detail'; label: string; description: string; tooltip?: string };

const KEY = 'guidedFinetune.datasets';

export class DatasetsTree implements vscode.TreeDataProvider<DatasetsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly state: vscode.Memento) {}

  entries(): DatasetEntry[] {
    const saved = this.state.get<DatasetEntry[]>(KEY, []);
    const builtins = BUILTINS.map((b) => saved.find((d) => d.source === b.source) ?? { source: b.source, name: b.name });
    return [...builtins, ...saved.filter((d) => !isBuiltinSource(d.source))];
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
      item.tooltip = node.tooltip;
      return item;
    }
    const { entry } = node;
    const s = entry.summary;
    // Short enough for the default side bar width: the label and a few words; the full counts are in the tooltip.
    const builtinOf = BUILTINS.find((b) => b.source === entry.source);
    const builtin = builtinOf !== undefined;
    const item = new vscode.TreeItem(
      builtinOf ? builtinOf.label : entry.name,
      s ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    item.id = entry.source;
    item.iconPath = new vscode.ThemeIcon(builtin ? 'library' : 'database');
    const total = s ? s.sizes.train + s.sizes.validation + s.sizes.test : undefined;
    item.description = s ? `${builtin ? 'built-in · ' : ''}${total} texts` : builtin ? 'built-in · not added yet' : 'not prepared yet';
    item.tooltip = s
      ? `${entry.name} (${entry.source}): ${splitCounts(s)}`
      : `${entry.name} (${entry.source})${builtinOf ? `, ${builtinOf.description}` : ''}: not added yet (Add Dataset)`;
    item.contextValue = 'dataset';
    return item;
  }

  getChildren(node?: DatasetsNode): DatasetsNode[] {
    if (!node) return this.entries().map((entry) => ({ type: 'dataset', entry }));
    if (node.type !== 'dataset' || !node.entry.summary) return [];
    const s = node.entry.summary;
    const out: DatasetsNode[] = [
      {
        type: 'detail',
        label: `train ${s.sizes.train} · val ${s.sizes.validation} · test ${s.sizes.test}`,
        description: '',
        tooltip: `The split: train ${s.sizes.train} · validation ${s.sizes.validation} · test ${s.sizes.test}`,
      },
    ];
    for (const label of s.labels) {
      const c = s.labelCounts[label];
      if (c)
        out.push({
          type: 'detail',
          label: `${label} ${c.train + c.validation + c.test}`,
          description: `${c.train} · ${c.validation} · ${c.test}`,
          tooltip: `${label}: ${c.train + c.validation + c.test} examples (train ${c.train} · validation ${c.validation} · test ${c.test})`,
        });
    }
    for (const w of s.warnings) out.push({ type: 'detail', label: '⚠ warning', description: w, tooltip: w });
    return out;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
