// The extension's settings (contributes.configuration in package.json), read fresh each time.
import * as vscode from 'vscode';
import { isAbsolute, join } from 'node:path';

export interface Settings {
  runsFolder: string;
  defaultModel: string;
  device: 'auto' | 'cpu' | 'cuda' | 'webgpu';
  threads: number;
  modelCacheFolder: string;
}

export function settings(): Settings {
  const c = vscode.workspace.getConfiguration('guidedFinetune');
  return {
    runsFolder: c.get<string>('runsFolder', ''),
    defaultModel: c.get<string>('defaultModel', 'starter') || 'starter',
    device: c.get<Settings['device']>('device', 'auto'),
    threads: Math.max(0, Math.floor(c.get<number>('threads', 0))),
    modelCacheFolder: c.get<string>('modelCacheFolder', ''),
  };
}

/** The runs folder: the setting (relative to the workspace folder), else <workspace>/runs, else global storage. */
export function runsFolder(context: vscode.ExtensionContext): string {
  const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const configured = settings().runsFolder.trim();
  if (configured) return isAbsolute(configured) ? configured : join(ws ?? context.globalStorageUri.fsPath, configured);
  return ws ? join(ws, 'runs') : join(context.globalStorageUri.fsPath, 'runs');
}
