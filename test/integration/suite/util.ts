// Helpers shared by the integration tests (bundled into each test file).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'guided-finetune.guided-finetune';

export interface Manifest {
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    viewsContainers: { activitybar: { id: string; title: string }[] };
    views: Record<string, { id: string; name: string }[]>;
  };
}

/**
 * Ends the current test as skipped, with the reason (the offline runner, index.ts, counts it as skipped; under
 * mocha it is a failure, which at least never reads as a pass).
 */
export function skip(reason: string): never {
  const e = new Error(reason);
  e.name = 'Skip';
  throw e;
}

export function extensionPath(): string {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return ext.extensionPath;
}

export function manifest(): Manifest {
  return JSON.parse(readFileSync(join(extensionPath(), 'package.json'), 'utf8')) as Manifest;
}

export function workspaceRoot(): string {
  const ws = vscode.workspace.workspaceFolders?.[0];
  if (!ws) throw new Error('the integration tests need a workspace folder');
  return ws.uri.fsPath;
}

/** Polls until check() returns a truthy value or the time is up. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
