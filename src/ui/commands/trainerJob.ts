// Beyond this machine: "Export as Trainer Job" (a fine-tuning run as a Hugging Face Trainer + accelerate job folder,
// src/host/jobs/trainerJob.ts) and "Import Model..." (a checkpoint folder trained elsewhere as a run evaluated on a
// chosen split, src/host/jobs/importModel.ts). Both ask the host; the files and the run appear as usual.
import * as vscode from 'vscode';
import { basename, dirname, join } from 'node:path';
import { isFineTuneKind, Requests, runName, type DataSource, type ImportModelParams } from '../../protocol';
import { pct } from '../viewmodel/format';
import { listRuns } from '../viewmodel/runFiles';
import type { Commands, RunArg } from './common';

export function registerTrainerJobCommands(c: Commands): vscode.Disposable[] {
  const d = c.d;
  return [
    // `outDir`: the job folder to write (tests and other commands); otherwise a folder dialog chooses where
    c.reg('guidedFinetune.exportTrainerJob', async (arg?: RunArg, outDir?: string) => {
      const run = await c.pickRun(arg, 'Export which fine-tuning run as a Trainer job?', (m) => isFineTuneKind(m.kind));
      if (!run) return undefined;
      if (!isFineTuneKind(run.manifest.kind)) {
        void vscode.window.showWarningMessage(`${runName(run.manifest)} is a baseline; only fine-tuning runs become Trainer jobs.`);
        return undefined;
      }
      let out = outDir;
      if (!out) {
        const target = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Write the job here' });
        if (!target?.[0]) return undefined;
        out = join(target[0].fsPath, `${run.manifest.id}-trainer-job`);
      }
      const r = await d.host.request(Requests.exportTrainerJob, { runDir: run.dir, out }, 'export Trainer jobs');
      void vscode.window
        .showInformationMessage(
          `Trainer job written to ${r.dir}: ${r.files.length} files, ${r.totalSteps} optimizer steps. Its README has the commands for one GPU, several GPUs and SLURM.`,
          'Open README',
        )
        .then((a) => {
          if (a) void vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(join(r.dir, 'README.md')));
        });
      return r;
    }),

    c.reg('guidedFinetune.importModel', async (arg?: { model?: string; splitOf?: string; data?: DataSource; name?: string }) => {
      let model = arg?.model;
      if (!model) {
        const picked = await vscode.window.showOpenDialog({
          canSelectFolders: true,
          canSelectFiles: false,
          openLabel: 'Import this model',
          title: 'A Hugging Face checkpoint folder (config.json, model.safetensors, tokenizer)',
        });
        model = picked?.[0]?.fsPath;
      }
      if (!model) return undefined;
      type DataChoice = Pick<ImportModelParams, 'splitOf' | 'data' | 'split' | 'trainFile' | 'evalFile'>;
      let data: DataChoice | undefined = arg?.splitOf ? { splitOf: arg.splitOf } : arg?.data;
      if (!data) {
        const runs = listRuns(c.root()).filter((r) => r.manifest.status === 'completed' && r.manifest.dataset);
        type Item = vscode.QuickPickItem & { choice: DataChoice | 'dataset' };
        const items: Item[] = [
          ...runs.map((r) => ({
            label: `Same test set as ${runName(r.manifest)}`,
            description: `${r.manifest.dataset!.id}${r.manifest.test ? ` · test accuracy ${pct(r.manifest.test.accuracy)}` : ''}`,
            choice: { splitOf: r.dir },
          })),
          { label: 'A dataset...', description: 'its test split', choice: 'dataset' as const },
        ];
        const pick = await vscode.window.showQuickPick(items, {
          placeHolder: "Evaluate the model on which test set? (the same as a run's: a fair comparison)",
        });
        if (!pick) return undefined;
        if (pick.choice === 'dataset') {
          const e = await c.pickDataset('Evaluate on which dataset?');
          if (!e) return undefined;
          data = c.dataParams(e);
        } else data = pick.choice;
      }
      const fallback = `imported · ${basename(model) === 'model' ? `${basename(dirname(model))}/model` : basename(model)}`;
      const name = arg?.name ?? (await vscode.window.showInputBox({ prompt: 'A name for the imported run', value: fallback }));
      if (name === undefined) return undefined;
      return c.runJob('Import Model', Requests.importModel, { model, ...data, name: name.trim() || fallback, runsRoot: c.root() }, 'import models');
    }),
  ];
}
