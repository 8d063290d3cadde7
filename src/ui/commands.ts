// Every step of the guided workflow as a command. Commands that need training, evaluation or export ask the host
// (src/client via ./host); when this build's host cannot do it yet, they say so and start nothing.
import * as vscode from 'vscode';
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Requests, runName, type BaselineKind, type BaselineParams, type EvaluateParams, type RequestType, type RunManifest, type RunResult, type TrainParams } from '../protocol';
import { BUILTIN_DATASET, type DatasetEntry, type DatasetsTree } from './datasetsTree';
import { errorMessage, HostFeatureMissing, type HostService } from './hostService';
import { FineTuneForm } from './fineTuneForm';
import { ResultsPanel } from './resultsPanel';
import type { RunsNode, RunsTree } from './runsTree';
import { runsFolder, settings } from './settings';
import { writeReflection } from './reflection';
import { stepDone } from './walkthrough';
import { pctText, splitCounts } from './viewmodel/datasets';
import { kindLabel, pct, warningsMessage } from './viewmodel/format';
import { listRuns, readManifest, type RunListing } from './viewmodel/runFiles';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  host: HostService;
  runs: RunsTree;
  datasets: DatasetsTree;
  output: vscode.OutputChannel;
  /** Names of the runs the host is running now (from its progress; src/ui/statusBar.ts). */
  activeRuns: () => string[];
}

type RunArg = RunsNode | { type: 'run'; dir: string } | undefined;

function report(e: unknown, output: vscode.OutputChannel): void {
  output.appendLine(`[error] ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  const msg = errorMessage(e);
  if (e instanceof HostFeatureMissing) void vscode.window.showWarningMessage(msg);
  else void vscode.window.showErrorMessage(msg, 'Show Log').then((a) => a && output.show());
}

export function registerCommands(d: CommandDeps): vscode.Disposable[] {
  const root = () => runsFolder(d.context);
  const safe = <A extends unknown[]>(f: (...a: A) => Promise<unknown>) => async (...a: A) => {
    try {
      return await f(...a);
    } catch (e) {
      report(e, d.output);
      return undefined;
    }
  };

  async function pickRun(arg: RunArg, placeHolder: string, filter: (m: RunManifest) => boolean = () => true): Promise<RunListing | undefined> {
    if (arg?.type === 'run') {
      const manifest = readManifest(arg.dir);
      if (!manifest) throw new Error(`${arg.dir} is not a run folder (no readable run.json).`);
      return { dir: arg.dir, manifest };
    }
    const runs = listRuns(root()).filter((r) => filter(r.manifest));
    if (runs.length === 0) {
      void vscode.window.showInformationMessage(`No matching runs in ${root()}.`);
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      runs.map((r) => ({ label: runName(r.manifest), description: `${r.manifest.id} · ${r.manifest.status}`, detail: `${kindLabel(r.manifest.kind)}${r.manifest.test ? ` · test accuracy ${pct(r.manifest.test.accuracy)}` : ''}`, run: r })),
      { placeHolder, matchOnDescription: true },
    );
    return pick?.run;
  }

  async function pickDataset(placeHolder: string, arg?: { type: 'dataset'; entry: DatasetEntry }): Promise<DatasetEntry | undefined> {
    if (arg?.type === 'dataset') return arg.entry;
    const pick = await vscode.window.showQuickPick(
      d.datasets.entries().map((e) => ({ label: e.name, description: e.source === BUILTIN_DATASET ? '' : e.source, entry: e })),
      { placeHolder },
    );
    return pick?.entry;
  }

  /** Runs a long host job with a cancellable notification; the run appears in the tree from its folder. */
  async function runJob<P>(title: string, type: RequestType<P, RunResult>, params: NoInfer<P>, what: string): Promise<RunResult> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      let runId: string | undefined;
      const subs = [
        d.host.onRunStarted((r) => { runId = r.runId; }),
        d.host.onProgress((p) => {
          if (runId && p.runId !== runId) return;
          progress.report({ message: `${p.phase} ${p.total > 0 ? `${p.step}/${p.total}` : ''}` });
        }),
        token.onCancellationRequested(() => {
          void d.host.request(Requests.cancel, { runId }, 'cancel runs').catch((e) => report(e, d.output));
        }),
      ];
      try {
        const r = await d.host.request(type, params, what);
        const warned = warningsMessage(`${title} (${r.runId})`, r.warnings);
        if (warned) void vscode.window.showWarningMessage(warned, 'Show Log').then((a) => a && d.output.show());
        const summary = r.status === 'completed' && r.test ? `test accuracy ${pct(r.test.accuracy)}` : r.status;
        void vscode.window.showInformationMessage(`${title}: ${summary}${r.error ? ` — ${r.error}` : ''}`, 'Open Results').then((a) => {
          if (a) void vscode.commands.executeCommand('guidedFinetune.openResults', { type: 'run', dir: r.runDir });
        });
        d.runs.refresh();
        return r;
      } finally {
        for (const s of subs) s.dispose();
      }
    });
  }

  const dataParams = (e: DatasetEntry) => ({ data: e.source, ...(e.split ? { split: e.split } : {}) });

  const reg = (id: string, f: (...a: any[]) => Promise<unknown>) => vscode.commands.registerCommand(id, safe(f));

  return [
    vscode.commands.registerCommand('guidedFinetune.refresh', () => { d.runs.refresh(); d.datasets.refresh(); }),
    vscode.commands.registerCommand('guidedFinetune.showLog', () => d.output.show()),
    vscode.commands.registerCommand('guidedFinetune.showRunsFolder', () => {
      void vscode.window.showInformationMessage(`Runs folder: ${root()}`);
    }),

    reg('guidedFinetune.addDataset', async () => {
      const builtin = { label: 'Movie reviews (built-in)', description: '2000 reviews, pos/neg', source: BUILTIN_DATASET };
      const file = { label: 'Import a file…', description: 'CSV, TSV or JSONL with text and label columns', source: 'file' };
      const folder = { label: 'Import a folder…', description: 'one sub-folder of .txt files per label', source: 'folder' };
      const pick = await vscode.window.showQuickPick([builtin, file, folder], { placeHolder: 'Which data?' });
      if (!pick) return;
      let source = pick.source;
      if (source === 'file' || source === 'folder') {
        const uri = await vscode.window.showOpenDialog({ canSelectFiles: source === 'file', canSelectFolders: source === 'folder', filters: source === 'file' ? { Data: ['csv', 'tsv', 'jsonl'] } : undefined });
        if (!uri?.[0]) return;
        source = uri[0].fsPath;
      }
      const summary = await d.host.request(Requests.prepareDataset, { data: source }, 'prepare datasets');
      const name = source === BUILTIN_DATASET ? builtin.label : basename(source);
      await d.datasets.upsert({ source, name, summary });
      // Adding also splits (the host's default split): both steps of the walkthrough are done.
      stepDone('datasetAdded');
      stepDone('datasetSplit');
      void vscode.window.showInformationMessage(`Added ${name}: ${splitCounts(summary)}, with the default split (10% validation, 20% test, seed 42). Split Dataset changes it.`);
      const warned = warningsMessage(basename(source), summary.warnings);
      if (warned) void vscode.window.showWarningMessage(warned);
    }),

    reg('guidedFinetune.splitDataset', async (arg?: { type: 'dataset'; entry: DatasetEntry }) => {
      const entry = await pickDataset('Split which dataset?', arg);
      if (!entry) return;
      const answer = await vscode.window.showInputBox({
        prompt: 'Validation and test fractions, and the seed',
        value: entry.split ? `${entry.split.validation} ${entry.split.test} ${entry.split.seed}` : '0.1 0.2 42',
        validateInput: (v) => {
          const [val, tst, seed] = v.trim().split(/[\s,]+/).map(Number);
          if (![val, tst, seed].every(Number.isFinite)) return 'Three numbers: validation fraction, test fraction, seed (e.g. 0.1 0.2 42)';
          if (val < 0 || tst <= 0 || val + tst >= 1) return 'Fractions must be ≥ 0, test > 0, and leave data for training (validation + test < 1)';
          return undefined;
        },
      });
      if (!answer) return;
      const [validation, test, seed] = answer.trim().split(/[\s,]+/).map(Number);
      const split = { validation, test, seed: Math.floor(seed) };
      const summary = await d.host.request(Requests.prepareDataset, { data: entry.source, split }, 'split datasets');
      await d.datasets.upsert({ ...entry, split, summary });
      stepDone('datasetSplit');
      const how = `${pctText(validation)} validation, ${pctText(test)} test, seed ${split.seed}`;
      const unchanged = entry.summary?.splitHash !== undefined && entry.summary.splitHash === summary.splitHash;
      void vscode.window.showInformationMessage(unchanged
        ? `${entry.name}: split unchanged (${how} gives the same examples in each part): ${splitCounts(summary)}.`
        : `${entry.name} split (${how}): ${splitCounts(summary)}.`);
      const warned = warningsMessage(entry.name, summary.warnings);
      if (warned) void vscode.window.showWarningMessage(warned);
    }),

    reg('guidedFinetune.runBaseline', async () => {
      const kinds: (vscode.QuickPickItem & { baseline: BaselineKind })[] = [
        { label: 'TF-IDF + logistic regression', detail: 'Word and bigram counts, no neural network: the classic strong baseline.', baseline: 'tfidf' },
        { label: 'Frozen embeddings + classifier', detail: 'Sentence embeddings of the pre-trained model, unchanged; only a classifier is trained.', baseline: 'embeddings' },
      ];
      const kind = await vscode.window.showQuickPick(kinds, { placeHolder: 'Which baseline?' });
      if (!kind) return;
      const entry = await pickDataset('On which dataset?');
      if (!entry) return;
      const params: BaselineParams = { kind: kind.baseline, runsRoot: root(), ...dataParams(entry), ...(kind.baseline === 'embeddings' ? { model: settings().defaultModel } : {}) };
      stepDone('baselineRun');
      return runJob(`Baseline: ${kind.label}`, Requests.baseline, params, 'run baselines');
    }),

    reg('guidedFinetune.fineTune', async (arg?: Partial<TrainParams>) => {
      // With the run's parameters (tests, other commands) it starts at once; otherwise the guided form opens.
      if (arg && typeof arg === 'object' && typeof arg.model === 'string') {
        const params: TrainParams = { runsRoot: root(), config: {}, ...arg, model: arg.model };
        stepDone('fineTuneStarted');
        return runJob(`Fine-tune ${params.model}`, Requests.train, params, 'fine-tune models');
      }
      FineTuneForm.show({
        extensionUri: d.context.extensionUri, host: d.host, datasets: () => d.datasets.entries(), runsRoot: root, activeRuns: d.activeRuns,
        start: (params, onStarted) => {
          const sub = d.host.onRunStarted((r) => {
            if (r.kind !== 'finetune' && r.kind !== 'head-only') return;
            sub.dispose();
            stepDone('fineTuneStarted');
            onStarted(r.runId);
          });
          return runJob(`Fine-tune ${params.model}`, Requests.train, params, 'fine-tune models').finally(() => sub.dispose());
        },
      });
      return undefined;
    }),

    reg('guidedFinetune.cancelRun', async (arg?: RunArg) => {
      const run = await pickRun(arg, 'Cancel which run?', (m) => m.status === 'running');
      if (!run) return;
      const r = await d.host.request(Requests.cancel, { runId: run.manifest.id }, 'cancel runs');
      void vscode.window.showInformationMessage(r.cancelled.length ? `Cancelled ${r.cancelled.join(', ')}.` : `${run.manifest.id} was not running in this host.`);
    }),

    reg('guidedFinetune.resumeRun', async (arg?: RunArg) => {
      const run = await pickRun(arg, 'Resume which run?', (m) => m.kind === 'finetune' && (m.status === 'failed' || m.status === 'cancelled'));
      if (!run) return;
      const m = run.manifest;
      if (!m.model?.id || !m.dataset?.id) throw new Error(`${m.id} has no model or dataset in its run.json, so it cannot be resumed.`);
      const params: TrainParams = { model: m.model.id, data: m.dataset.id, runsRoot: root(), config: m.config, resumeRunDir: run.dir };
      return runJob(`Resume ${m.id}`, Requests.train, params, 'resume runs');
    }),

    reg('guidedFinetune.openResults', async (arg?: RunArg) => {
      const run = await pickRun(arg, 'Open the results of which run?');
      if (run) return ResultsPanel.forRun(d.context.extensionUri, run.dir);
      return undefined;
    }),

    reg('guidedFinetune.compareRuns', async (dirs?: string[]) => {
      let chosen = Array.isArray(dirs) ? dirs : undefined;
      if (!chosen) {
        const runs = listRuns(root());
        const picks = await vscode.window.showQuickPick(
          runs.map((r) => ({ label: runName(r.manifest), description: `${r.manifest.id} · ${kindLabel(r.manifest.kind)} · ${r.manifest.status}`, picked: !!r.manifest.test, dir: r.dir })),
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
      return ResultsPanel.comparison(d.context.extensionUri, chosen, [], compare);
    }),

    reg('guidedFinetune.evaluateRun', async (arg?: RunArg) => {
      const run = await pickRun(arg, 'Evaluate which run?', (m) => m.status === 'completed');
      if (!run) return;
      const entry = await pickDataset('On which dataset?');
      if (!entry) return;
      const params: EvaluateParams = { runDir: run.dir, data: entry.source };
      const m = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Evaluating ${run.manifest.id} on ${entry.name}…` },
        () => d.host.request(Requests.evaluate, params, 'evaluate runs on other data'));
      d.output.appendLine(`[evaluate] ${run.manifest.id} on ${entry.source}: ${JSON.stringify({ ...m, reliability: undefined })}`);
      const warned = warningsMessage(`${run.manifest.id} on ${entry.name}`, m.warnings);
      if (warned) void vscode.window.showWarningMessage(warned);
      void vscode.window.showInformationMessage(
        `${run.manifest.id} on ${entry.name}: accuracy ${pct(m.accuracy)} (95% CI ${pct(m.accuracyCI[0])}–${pct(m.accuracyCI[1])}) on ${m.n} examples, macro F1 ${pct(m.macroF1)}.`,
        'Show Details',
      ).then((a) => a && d.output.show());
      return m;
    }),

    reg('guidedFinetune.exportModel', async (arg?: RunArg) => {
      const run = await pickRun(arg, 'Export which run?', (m) => m.status === 'completed');
      if (!run) return;
      const target = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Export here' });
      if (!target?.[0]) return;
      const out = join(target[0].fsPath, `${run.manifest.id}-export`);
      const r = await d.host.request(Requests.export, { runDir: run.dir, out }, 'export models');
      void vscode.window.showInformationMessage(`Exported ${r.files.length} files to ${out}.${r.check ? ` ${r.check}.` : ''}`, 'Try It').then((a) => {
        if (a) void vscode.commands.executeCommand('guidedFinetune.tryModel', { type: 'export', dir: r.dir ?? out });
      });
    }),

    reg('guidedFinetune.tryModel', async (arg?: RunArg | { type: 'export'; dir: string }) => {
      // A run, or an export folder (the production artifact alone: ONNX model + tokenizer, no run needed).
      let dir: string | undefined = arg?.type === 'export' ? arg.dir : undefined;
      if (!dir) {
        const run = await pickRun(arg?.type === 'export' ? undefined : arg, 'Try which model?', (m) => m.status === 'completed');
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

    reg('guidedFinetune.writeReflection', async () => {
      const file = await writeReflection(d.host, root(), listRuns(root()).filter((r) => r.manifest.status === 'completed').length, d.datasets.entries());
      if (file) stepDone('reflectionWritten');
      return file;
    }),

    reg('guidedFinetune.openRunFolder', async (arg?: RunsNode) => {
      const dir = arg?.type === 'checkpoint' ? join(arg.runDir, 'checkpoints', arg.name) : arg?.type === 'run' ? arg.dir : root();
      mkdirSync(dir, { recursive: true });
      const uri = vscode.Uri.file(dir);
      // Inside the workspace: show it in the Explorer view (works in the browser too); else the system file manager.
      if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
      else await vscode.commands.executeCommand('revealFileInOS', uri);
    }),
  ];
}
