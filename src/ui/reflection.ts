// "Write Reflection": the host measures the facts of the runs (src/host/reflect, request runs/reflection) and
// answers the chapter's reflection as Markdown; this writes it into the workspace, never over a file the person
// already has without asking, and opens it. Cancelling the notification cancels the host's work.
import * as vscode from 'vscode';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Requests, type ReflectionParams } from '../protocol';
import { BUILTIN_DATASET, BUILTIN_SNIPPETS, type DatasetEntry } from './datasetsTree';
import type { HostService } from './hostService';
import { freeReflectionName, nothingToReflectOn, REFLECTION_FILE, reflectionSummary } from './viewmodel/reflection';

/** Which file to write: REFLECTION.md, or (when it exists) overwrite it or a new name, as the person chooses. */
async function chooseFile(ws: string): Promise<string | undefined> {
  const path = join(ws, REFLECTION_FILE);
  if (!existsSync(path)) return path;
  const fresh = freeReflectionName((n) => existsSync(join(ws, n)));
  const answer = await vscode.window.showWarningMessage(
    `${REFLECTION_FILE} already exists in the workspace.`,
    { modal: true, detail: `Write the new reflection to ${fresh}, or replace ${REFLECTION_FILE} (your edits in it would be lost).` },
    `Write ${fresh}`,
    `Overwrite ${REFLECTION_FILE}`,
  );
  if (answer === `Write ${fresh}`) return join(ws, fresh);
  if (answer === `Overwrite ${REFLECTION_FILE}`) return path;
  return undefined;
}

/**
 * Out-of-domain accuracy is measured only when asked: with datasets added in the Datasets view (imported ones, or
 * the built-in movie snippets), the person may pick one that every compared run is also evaluated on. null: no check; undefined: the pick was dismissed.
 */
async function chooseOutOfDomain(datasets: readonly DatasetEntry[]): Promise<string | null | undefined> {
  // the built-in reviews are the runs' own data; the built-in movie snippets once added in the Datasets view
  const imported = datasets.filter((d) => d.source !== BUILTIN_DATASET && (d.source !== BUILTIN_SNIPPETS || d.summary !== undefined));
  if (!imported.length) return null;
  const none = { label: 'No out-of-domain check', description: "the runs' own test split only", source: null };
  const pick = await vscode.window.showQuickPick(
    [none, ...imported.map((e) => ({ label: `Also evaluate every run on ${e.name}`, description: e.source, source: e.source as string | null }))],
    { placeHolder: 'Out-of-domain accuracy: evaluate every compared run on another dataset too? (each run predicts all of it)' },
  );
  return pick ? pick.source : undefined;
}

/** Runs the command; returns the file written (undefined when nothing was written). Errors are thrown as one line. */
export async function writeReflection(
  host: HostService,
  runsRoot: string,
  completedRuns: number,
  datasets: readonly DatasetEntry[] = [],
): Promise<string | undefined> {
  const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!ws) throw new Error(`Open a folder first: the reflection is written to ${REFLECTION_FILE} in the workspace.`);
  if (!existsSync(runsRoot))
    throw new Error(`No runs folder at ${runsRoot}: run a baseline and a fine-tuning run first (or set guidedFinetune.runsFolder); nothing was written.`);
  const file = await chooseFile(ws);
  if (!file) return undefined;
  const outOfDomain = await chooseOutOfDomain(datasets);
  if (outOfDomain === undefined) return undefined;
  const params: ReflectionParams = { runsRoot, settingsPlace: 'form', ...(outOfDomain ? { outOfDomain } : {}) };
  const result = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: 'Writing the reflection',
      cancellable: true,
    },
    async (progress, token) => {
      progress.report({
        message: `measuring ${completedRuns} completed run${completedRuns === 1 ? '' : 's'}: accuracy CIs, paired tests, error patterns, truncation, size, CPU latency${outOfDomain ? ', out-of-domain accuracy' : ''}…`,
      });
      try {
        return await host.request(Requests.reflection, params, 'write reflections', token);
      } catch (e) {
        if (token.isCancellationRequested) return undefined;
        throw e;
      }
    },
  );
  if (!result) return undefined;
  if (result.runs.length === 0) {
    void vscode.window.showWarningMessage(nothingToReflectOn(result, runsRoot));
    return undefined;
  }
  writeFileSync(file, result.markdown);
  await vscode.window.showTextDocument(vscode.Uri.file(file));
  void vscode.window.showInformationMessage(reflectionSummary(result));
  return file;
}
