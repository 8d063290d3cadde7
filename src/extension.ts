import type * as vscode from 'vscode';
import { Extension } from './ui/extension';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(new Extension(context));
}

export function deactivate(): void {}
