// Result commands: open a run's results, compare runs, evaluate a run on other data, export it, try it on a text,
// and write the chapter's reflection.
import * as vscode from 'vscode';
import { join } from 'node:path';
import { Requests, runName, type EvaluateParams } from '../../protocol';
import { errorMessage } from '../hostService';
import { writeReflection } from '../reflection';
import { ComparePanel } from '../results/comparePanel';
import { RunPanel } from '../results/runPanel';
import { stepDone } from '../walkthrough';
import { kindLabel, pct, warningsMessage } from '../viewmodel/format';
import { listRuns } from '../viewmodel/runFiles';
import { listSearches, searchItem, searchNotes, searchRunDirs, type SearchListing } from '../viewmodel/search';
import type { Commands, RunArg } from './common';

export function registerResultCommands(c: Commands): vscode.Disposable[] {
  const d = c.d;
  return [
    c.reg('guidedFinetune.openResults', async (arg?: RunArg) => {
      const run = await c.pickRun(arg, 'Open the results of which run?');
      if (run) return RunPanel.show(d.context.extensionUri, run.dir);
      return undefined;
    }),

    c.reg('guidedFinetune.compareRuns', async (dirs?: string[]) => {
      let chosen = Array.isArray(dirs) ? dirs : undefined;
      // The paired tests run in the host: start it while the runs are picked and the panel loads.
      d.host.warm();
      if (!chosen) {
        const runs = listRuns(c.root());
        const picks = await vscode.window.showQuickPick(
          runs.map((r) => ({
            label: runName(r.manifest),
            description: `${r.manifest.id} · ${kindLabel(r.manifest.kind)} · ${r.manifest.status}`,
            picked: !!r.manifest.test,
            dir: r.dir,
          })),
          { canPickMany: true, placeHolder: 'Compare which runs? (two or more)', matchOnDescription: true },
        );
        if (!picks) return undefined;
        chosen = picks.map((p) => p.dir);
      }
      if (chosen.length < 2) throw new Error('Pick at least two runs to compare.');
      // The panel pairs every run with its reference run (a baseline by default) through the host's paired test.
      const compare = async (runDirA: string, runDirB: string) => {
        try {
          return await d.host.request(Requests.compare, { runDirA, runDirB }, 'compare runs');
        } catch (e) {
          throw new Error(errorMessage(e));
        }
      };
      // "Ensemble these runs": the host's run/ensemble, into the runs folder (the panel opens the new run).
      const ensemble = async (runs: string[]) => {
        try {
          return await d.host.request(Requests.ensemble, { runs, runsRoot: c.root() }, 'ensemble runs');
        } catch (e) {
          throw new Error(errorMessage(e));
        }
      };
      return ComparePanel.show(d.context.extensionUri, chosen, [], compare, ensemble);
    }),

    c.reg('guidedFinetune.openSearch', async (arg?: { type: 'search' } & SearchListing) => {
      // The trials view: the final run and the trials (best validation first) side by side, their curves overlaid.
      let s: SearchListing | undefined = arg?.type === 'search' ? arg : undefined;
      if (!s) {
        const all = listSearches(c.root());
        if (!all.length) throw new Error(`No searches in ${c.root()}: start one with "Search…" in the fine-tune form or gft search.`);
        const pick = await vscode.window.showQuickPick(
          all.map((x) => ({ label: searchItem(x).label, description: searchItem(x).description, s: x })),
          { placeHolder: 'Open which search?' },
        );
        s = pick?.s;
      }
      if (!s) return undefined;
      const dirs = searchRunDirs(s);
      if (!dirs.length) throw new Error(`${s.dir} has no trial runs yet.`);
      return ComparePanel.show(d.context.extensionUri, dirs, searchNotes(s));
    }),

    c.reg('guidedFinetune.evaluateRun', async (arg?: RunArg) => {
      const run = await c.pickRun(arg, 'Evaluate which run?', (m) => m.status === 'completed');
      if (!run) return;
      const entry = await c.pickDataset('On which dataset?');
      if (!entry) return;
      const params: EvaluateParams = { runDir: run.dir, data: entry.source };
      const m = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Evaluating ${run.manifest.id} on ${entry.name}…` },
        () => d.host.request(Requests.evaluate, params, 'evaluate runs on other data'),
      );
      d.output.appendLine(`[evaluate] ${run.manifest.id} on ${entry.source}: ${JSON.stringify({ ...m, reliability: undefined })}`);
      const warned = warningsMessage(`${run.manifest.id} on ${entry.name}`, m.warnings);
      if (warned) void vscode.window.showWarningMessage(warned);
      void vscode.window
        .showInformationMessage(
          `${run.manifest.id} on ${entry.name}: accuracy ${pct(m.accuracy)} (95% CI ${pct(m.accuracyCI[0])}–${pct(m.accuracyCI[1])}) on ${m.n} examples, macro F1 ${pct(m.macroF1)}.`,
          'Show Details',
        )
        .then((a) => a && d.output.show());
      return m;
    }),

    c.reg('guidedFinetune.exportModel', async (arg?: RunArg) => {
      const run = await c.pickRun(arg, 'Export which run?', (m) => m.status === 'completed');
      if (!run) return;
      const target = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Export here' });
      if (!target?.[0]) return;
      const out = join(target[0].fsPath, `${run.manifest.id}-export`);
      const r = await d.host.request(Requests.export, { runDir: run.dir, out }, 'export models');
      void vscode.window.showInformationMessage(`Exported ${r.files.length} files to ${out}.${r.check ? ` ${r.check}.` : ''}`, 'Try It').then((a) => {
        if (a) void vscode.commands.executeCommand('guidedFinetune.tryModel', { type: 'export', dir: r.dir ?? out });
      });
    }),

    c.reg('guidedFinetune.tryModel', async (arg?: RunArg | { type: 'export'; dir: string }) => {
      // A run, or an export folder (the production artifact alone: ONNX model + tokenizer, no run needed).
      let dir: string | undefined = arg?.type === 'export' ? arg.dir : undefined;
      if (!dir) {
        const run = await c.pickRun(arg?.type === 'export' ? undefined : arg, 'Try which model?', (m) => m.status === 'completed');
        dir = run?.dir;
      }
      if (!dir) return;
      const text = await vscode.window.showInputBox({ prompt: 'A text to classify', placeHolder: 'An unexpectedly moving film, with a terrific cast.' });
      if (!text) return;
      const r = await d.host.request(Requests.predict, { runDir: dir, texts: [text] }, 'classify texts');
      const p = r.predictions[0];
      const probs = r.labels.map((l, i) => `${l} ${pct(p.probs[i])}`).join(', ');
      void vscode.window.showInformationMessage(`${p.label} (${probs})`);
    }),

    c.reg('guidedFinetune.writeReflection', async () => {
      const file = await writeReflection(d.host, c.root(), listRuns(c.root()).filter((r) => r.manifest.status === 'completed').length, d.datasets.entries());
      if (file) stepDone('reflectionWritten');
      return file;
    }),
  ];
}
