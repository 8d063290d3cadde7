// Data commands: add a dataset (built-in, a file or a folder) and choose its split.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { Requests } from '../../protocol';
import { BUILTINS, type DatasetEntry } from '../datasetsTree';
import { stepDone } from '../walkthrough';
import { pctText, splitCounts } from '../viewmodel/datasets';
import { warningsMessage } from '../viewmodel/format';
import type { Commands } from './common';

export function registerDataCommands(c: Commands): vscode.Disposable[] {
  const d = c.d;
  return [
    c.reg('guidedFinetune.addDataset', async () => {
      const builtins = BUILTINS.map((b) => ({ label: b.name, description: b.description, source: b.source }));
      const file = { label: 'Import a file…', description: 'CSV, TSV or JSONL with text and label columns', source: 'file' };
      const folder = { label: 'Import a folder…', description: 'one sub-folder of .txt files per label', source: 'folder' };
      const pick = await vscode.window.showQuickPick([...builtins, file, folder], { placeHolder: 'Which data?' });
      if (!pick) return;
      let source = pick.source;
      if (source === 'file' || source === 'folder') {
        const uri = await vscode.window.showOpenDialog({
          canSelectFiles: source === 'file',
          canSelectFolders: source === 'folder',
          filters: source === 'file' ? { Data: ['csv', 'tsv', 'jsonl'] } : undefined,
        });
        if (!uri?.[0]) return;
        source = uri[0].fsPath;
      }
      const summary = await d.host.request(Requests.prepareDataset, { data: source }, 'prepare datasets');
      const name = BUILTINS.find((b) => b.source === source)?.name ?? basename(source);
      await d.datasets.upsert({ source, name, summary });
      // Adding also splits (the host's default split): both steps of the walkthrough are done.
      stepDone('datasetAdded');
      stepDone('datasetSplit');
      void vscode.window.showInformationMessage(
        `Added ${name}: ${splitCounts(summary)}, with the default split (10% validation, 20% test, seed 42). Split Dataset changes it.`,
      );
      const warned = warningsMessage(basename(source), summary.warnings);
      if (warned) void vscode.window.showWarningMessage(warned);
    }),

    c.reg('guidedFinetune.splitDataset', async (arg?: { type: 'dataset'; entry: DatasetEntry }) => {
      const entry = await c.pickDataset('Split which dataset?', arg);
      if (!entry) return;
      const answer = await vscode.window.showInputBox({
        prompt: 'Validation and test fractions, and the seed',
        value: entry.split ? `${entry.split.validation} ${entry.split.test} ${entry.split.seed}` : '0.1 0.2 42',
        validateInput: (v) => {
          const [val, tst, seed] = v
            .trim()
            .split(/[\s,]+/)
            .map(Number);
          if (![val, tst, seed].every(Number.isFinite)) return 'Three numbers: validation fraction, test fraction, seed (e.g. 0.1 0.2 42)';
          if (val < 0 || tst <= 0 || val + tst >= 1) return 'Fractions must be ≥ 0, test > 0, and leave data for training (validation + test < 1)';
          return undefined;
        },
      });
      if (!answer) return;
      const [validation, test, seed] = answer
        .trim()
        .split(/[\s,]+/)
        .map(Number);
      const split = { validation, test, seed: Math.floor(seed) };
      const summary = await d.host.request(Requests.prepareDataset, { data: entry.source, split }, 'split datasets');
      await d.datasets.upsert({ ...entry, split, summary });
      stepDone('datasetSplit');
      const how = `${pctText(validation)} validation, ${pctText(test)} test, seed ${split.seed}`;
      const unchanged = entry.summary?.splitHash !== undefined && entry.summary.splitHash === summary.splitHash;
      void vscode.window.showInformationMessage(
        unchanged
          ? `${entry.name}: split unchanged (${how} gives the same examples in each part): ${splitCounts(summary)}.`
          : `${entry.name} split (${how}): ${splitCounts(summary)}.`,
      );
      const warned = warningsMessage(entry.name, summary.warnings);
      if (warned) void vscode.window.showWarningMessage(warned);
    }),
  ];
}
