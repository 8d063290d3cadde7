// "Clear Embedding Cache": shows the host's embedding cache (folder, texts, size) and, confirmed, empties it.
import * as vscode from 'vscode';
import { Requests, type EmbeddingCacheInfo } from '../../protocol';
import type { Commands } from './common';

/** "1,234 texts, 2.4 MiB in /path" */
export function cacheSizeText(s: EmbeddingCacheInfo): string {
  return `${s.entries.toLocaleString('en-US')} text${s.entries === 1 ? '' : 's'} (${s.settings} encoder setting${s.settings === 1 ? '' : 's'}), ${(s.bytes / 2 ** 20).toFixed(1)} MiB in ${s.dir}`;
}

export function registerCacheCommands(c: Commands): vscode.Disposable[] {
  const d = c.d;
  return [
    c.reg('guidedFinetune.clearEmbeddingCache', async () => {
      const now = await d.host.request(Requests.embeddingCache, {}, 'show the embedding cache');
      if (now.dir === null) {
        void vscode.window.showInformationMessage('The embedding cache is off (GFT_EMBEDDING_CACHE=off): nothing to clear.');
        return;
      }
      if (now.entries === 0 && now.bytes === 0) {
        void vscode.window.showInformationMessage(`The embedding cache is empty (${now.dir}).`);
        return;
      }
      const ok = await vscode.window.showWarningMessage(
        `Clear the embedding cache? ${cacheSizeText(now)}. The next frozen-embedding run embeds its texts again.`,
        { modal: true },
        'Clear',
      );
      if (ok !== 'Clear') return;
      const removed = await d.host.request(Requests.embeddingCache, { clear: true }, 'clear the embedding cache');
      void vscode.window.showInformationMessage(`Embedding cache cleared: removed ${cacheSizeText(removed)}.`);
    }),
  ];
}
