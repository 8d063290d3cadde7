import type * as vscode from 'vscode';
import { Extension, type ExtensionApi } from './ui/extension';

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const extension = new Extension(context);
  context.subscriptions.push(extension);
  return extension.api;
}

export function deactivate(): void {}
