// The HTML shell of every webview of the extension (results panel, fine-tune form): a strict Content Security
// Policy with a fresh nonce, only the extension's own bundle and style sheets, nothing from the network.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

export interface WebviewPage {
  /** dist/<script> */
  script: string;
  /** media/<file> style sheets, in order */
  styles: string[];
  title: string;
  /** the root element's id and data attributes */
  root: { id: string; data?: Record<string, string>; live?: boolean };
  /** allow images from the extension and data: URLs (canvas exports) */
  images?: boolean;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function webviewPage(webview: vscode.Webview, extensionUri: vscode.Uri, page: WebviewPage): string {
  const nonce = randomBytes(16).toString('base64');
  const uri = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    ...(page.images ? [`img-src ${webview.cspSource} data:`] : []),
    `font-src ${webview.cspSource}`,
  ].join('; ');
  const data = Object.entries(page.root.data ?? {})
    .map(([k, v]) => ` data-${k}="${esc(v)}"`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${page.styles.map((s) => `<link rel="stylesheet" href="${uri('media', s)}" nonce="${nonce}">`).join('\n')}
<title>${esc(page.title)}</title>
</head>
<body>
<main id="${esc(page.root.id)}"${data}${page.root.live ? ' aria-live="polite"' : ''}></main>
<script nonce="${nonce}" src="${uri('dist', page.script)}"></script>
</body>
</html>`;
}
