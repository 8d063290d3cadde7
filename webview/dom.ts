// DOM helpers of the results panel's webview: elements built with text nodes only (never HTML strings), theme
// colours read from VS Code's CSS variables, and the posting of messages back to the extension.
import type { FromWebview } from '../src/protocol/webviewMessages';

declare function acquireVsCodeApi(): { postMessage(m: FromWebview): void };
const vscode = acquireVsCodeApi();
export const post = (m: FromWebview): void => vscode.postMessage(m);

/** Element with attributes and children (strings become text nodes, never HTML). */
export function h(tag: string, attrs: Record<string, string | number | boolean | undefined> = {}, ...children: (Node | string | undefined)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== undefined) el.append(c);
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';
export function s(tag: string, attrs: Record<string, string | number> = {}, ...children: (Node | string)[]): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

export function css(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

export function button(label: string, onClick: () => void, secondary = true): HTMLElement {
  const b = h('vscode-button', secondary ? { secondary: true } : {}, label);
  b.addEventListener('click', onClick);
  return b;
}

/** A labelled vscode-single-select; `name` becomes data-select for tests and styling. */
export function select(label: string, name: string, options: [string, string][], value: string, onChange: (v: string) => void, disabled = false): HTMLElement {
  const sel = h('vscode-single-select', { 'aria-label': label, 'data-select': name, disabled }, ...options.map(([v, text]) => h('vscode-option', { value: v, selected: v === value }, text)));
  sel.addEventListener('change', () => onChange((sel as unknown as { value: string }).value));
  return h('label', {}, `${label} `, sel);
}

/** `x` in [0, 1] as a percentage with one decimal. */
export const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '–');
