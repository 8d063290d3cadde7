// DOM helpers of the results panel's webview: the shared element builders (./elements), its controls, and the
// posting of messages back to the extension.
import type { FromWebview } from '../src/protocol/webviewMessages';
import { h } from './elements';

export { css, h, s } from './elements';

declare function acquireVsCodeApi(): { postMessage(m: FromWebview): void };
const vscode = acquireVsCodeApi();
export const post = (m: FromWebview): void => vscode.postMessage(m);

export function button(label: string, onClick: () => void, secondary = true): HTMLElement {
  const b = h('vscode-button', secondary ? { secondary: true } : {}, label);
  b.addEventListener('click', onClick);
  return b;
}

/** A labelled vscode-single-select; `name` becomes data-select for tests and styling. */
export function select(label: string, name: string, options: [string, string][], value: string, onChange: (v: string) => void, disabled = false): HTMLElement {
  const sel = h(
    'vscode-single-select',
    { 'aria-label': label, 'data-select': name, disabled },
    ...options.map(([v, text]) => h('vscode-option', { value: v, selected: v === value }, text)),
  );
  sel.addEventListener('change', () => onChange((sel as unknown as { value: string }).value));
  return h('label', {}, `${label} `, sel);
}

/** `x` in [0, 1] as a percentage with one decimal. */
export { pct } from '../src/shared/format';
