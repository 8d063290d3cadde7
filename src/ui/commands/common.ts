// What the command groups share: their dependencies, error reporting, the run and dataset pickers, and runJob (a
// long host job behind a cancellable notification).
import * as vscode from 'vscode';
import { Requests, runName, type RequestType, type RunManifest, type RunResult } from '../../protocol';
import { BUILTIN_DATASET, type DatasetEntry, type DatasetsTree } from '../datasetsTree';
import { errorMessage, HostFeatureMissing, type HostService } from '../hostService';
import type { RunsNode, RunsTree } from '../runsTree';
import { runsFolder } from '../settings';
import { kindLabel, pct, warningsMessage } from '../viewmodel/format';
import { listRuns, readManifest, type RunListing } from '../viewmodel/runFiles';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  host: HostService;
  runs: RunsTree;
  datasets: DatasetsTree;
  output: vscode.OutputChannel;
  /** Names of the runs the host is running now (from its progress; src/ui/statusBar.ts). */
  activeRuns: () => string[];
}

/** A run from the Runs view or a results panel; undefined: the command asks which. */
export type RunArg = RunsNode | { type: 'run'; dir: string } | undefined;

function report(e: unknown, output: vscode.OutputChannel): void {
  output.appendLine(`[error] ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  const msg = errorMessage(e);
  if (e instanceof HostFeatureMissing) void vscode.window.showWarningMessage(msg);
  else void vscode.window.showErrorMessage(msg, 'Show Log').then((a) => a && output.show());
}

/** The helpers every command group uses, bound to the extension's parts. */
export class Commands {
  constructor(readonly d: CommandDeps) {}

  /** The runs folder (setting or workspace default). */
  readonly root = (): string => runsFolder(this.d.context);

  /** Registers a command whose errors become one message (and the stack in the log), never an unhandled rejection. */
  reg(id: string, f: (...a: any[]) => Promise<unknown>): vscode.Disposable {
    return vscode.commands.registerCommand(id, async (...a: unknown[]) => {
      try {
        return await f(...a);
      } catch (e) {
        report(e, this.d.output);
        return undefined;
      }
    });
  }

  async pickRun(arg: RunArg, placeHolder: string, filter: (m: RunManifest) => boolean = () => true): Promise<RunListing | undefined> {
    if (arg?.type === 'run') {
      const manifest = readManifest(arg.dir);
      if (!manifest) throw new Error(`${arg.dir} is not a run folder (no readable run.json).`);
      return { dir: arg.dir, manifest };
    }
    const root = this.root();
    const runs = listRuns(root).filter((r) => filter(r.manifest));
    if (runs.length === 0) {
      void vscode.window.showInformationMessage(`No matching runs in ${root}.`);
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      runs.map((r) => ({
        label: runName(r.manifest),
        description: `${r.manifest.id} · ${r.manifest.status}`,
        detail: `${kindLabel(r.manifest.kind)}${r.manifest.test ? ` · test accuracy ${pct(r.manifest.test.accuracy)}` : ''}`,
        run: r,
      })),
      { placeHolder, matchOnDescription: true },
    );
    return pick?.run;
  }

  async pickDataset(placeHolder: string, arg?: { type: 'dataset'; entry: DatasetEntry }): Promise<DatasetEntry | undefined> {
    if (arg?.type === 'dataset') return arg.entry;
    const pick = await vscode.window.showQuickPick(
      this.d.datasets.entries().map((e) => ({ label: e.name, description: e.source === BUILTIN_DATASET ? '' : e.source, entry: e })),
      { placeHolder },
    );
    return pick?.entry;
  }

  /** The data params of a dataset entry (its source and its split, if one was chosen). */
  dataParams(e: DatasetEntry): { data: string; split?: DatasetEntry['split'] } {
    return { data: e.source, ...(e.split ? { split: e.split } : {}) };
  }

  /** Runs a long host job with a cancellable notification; the run appears in the tree from its folder. */
  async runJob<P>(title: string, type: RequestType<P, RunResult>, params: NoInfer<P>, what: string): Promise<RunResult> {
    const d = this.d;
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      let runId: string | undefined;
      const subs = [
        d.host.onRunStarted((r) => {
          runId = r.runId;
        }),
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
}
