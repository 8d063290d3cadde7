// The results panel's browser app: renders what the extension sends (src/protocol/webviewMessages.ts) with
// @vscode-elements components and uPlot charts, and posts back the user's actions. Everything is bundled into
// dist/webview.js; colours come from VS Code's CSS variables, re-read when the theme changes.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import type { ChartData, ConfusionView, LiveProgress, MetricRow, RunHeader, ToWebview } from '../src/protocol/webviewMessages';
import { renderCharts } from './charts';
import { renderComparison } from './compare';
import { button, h, post } from './dom';
import { confusionTable } from './matrix';
import { noteSaved, renderReview, reviewItemArrived } from './review';

const app = document.getElementById('app') as HTMLElement;
const mode = app.dataset.mode === 'compare' ? 'compare' : 'run';

// ---------- layout ----------
const header = h('header');
const metricsSection = h('section', { 'aria-label': 'Test metrics' });
const chartsSection = h('section', { class: 'charts', 'aria-label': 'Training charts' });
const reviewSection = h('section', { 'aria-label': 'Misclassified examples' });
const compareSection = h('section', { 'aria-label': 'Comparison of runs' });
const curvesSection = h('div', { class: 'charts', 'aria-label': 'Training curves of the compared runs' });
const notice = h('div', { role: 'status' });
let tabs: HTMLElement | undefined;
/** The first run message picks the tab (a baseline opens on its test metrics); later ones leave the person's choice. */
let tabChosen = false;
const TAB_INDEX = { training: 0, metrics: 1 } as const;
// A run in progress: its step and time left, and Cancel (hidden once the run ends).
const liveLine = h('div', { class: 'live', role: 'status', 'aria-live': 'polite', hidden: true });

function renderProgress(p: LiveProgress | undefined): void {
  liveLine.hidden = !p;
  if (!p) {
    liveLine.replaceChildren();
    return;
  }
  const cancel = button('Cancel run', () => post({ type: 'command', command: 'cancel' }));
  cancel.setAttribute('data-action', 'cancel');
  cancel.setAttribute('secondary', '');
  liveLine.replaceChildren(
    h('vscode-progress-ring', { 'aria-hidden': 'true' }),
    h('span', { 'data-progress': p.text, 'data-step': p.step ?? '', 'data-total': p.total ?? '', 'data-eta': p.etaSec ?? '' }, p.text),
    cancel,
  );
}

if (mode === 'run') {
  const toolbar = h(
    'div',
    { class: 'toolbar', role: 'toolbar', 'aria-label': 'Run actions' },
    button('Compare runs', () => post({ type: 'command', command: 'compare' })),
    button('Evaluate on another dataset', () => post({ type: 'command', command: 'evaluate' })),
    button('Try on a text', () => post({ type: 'command', command: 'tryText' })),
    button('Export model', () => post({ type: 'command', command: 'export' })),
    button('Write reflection', () => post({ type: 'command', command: 'reflect' })),
  );
  tabs = h(
    'vscode-tabs',
    { 'selected-index': 0 },
    h('vscode-tab-header', { slot: 'header', 'data-tab': 'training' }, 'Training'),
    h('vscode-tab-panel', {}, chartsSection),
    h('vscode-tab-header', { slot: 'header', 'data-tab': 'metrics' }, 'Test metrics'),
    h('vscode-tab-panel', {}, metricsSection),
    h('vscode-tab-header', { slot: 'header', 'data-tab': 'mistakes' }, 'Mistakes'),
    h('vscode-tab-panel', {}, reviewSection),
  );
  app.append(header, liveLine, notice, toolbar, tabs);
} else {
  app.append(
    h('h1', {}, 'Compare runs'),
    notice,
    compareSection,
    h(
      'div',
      { class: 'toolbar' },
      button('Write reflection', () => post({ type: 'command', command: 'reflect' })),
    ),
  );
}

// ---------- run header and metrics ----------
function deviceLine(run: RunHeader): HTMLElement | string {
  if (!run.device) return '';
  const d = run.deviceDetails;
  if (!d) return h('span', { class: 'device' }, `on ${run.device}`);
  // Details on demand: the reasons an accelerator was not used are one click away, not on every header.
  return h(
    'details',
    { class: 'device' },
    h('summary', {}, `on ${run.device} · `, h('span', { class: 'why' }, d.summary)),
    h('ul', { class: 'device-details' }, ...d.lines.map((l) => h('li', {}, l))),
  );
}

function renderRun(run: RunHeader, rows: MetricRow[], confusion?: ConfusionView): void {
  const meta = [`run ${run.id}`, run.model && `model ${run.model}`, run.dataset && `dataset ${run.dataset}`, run.duration && `took ${run.duration}`]
    .filter(Boolean)
    .join(' · ');
  header.replaceChildren(
    h('h1', { 'data-run': run.id, title: `run ${run.id}` }, run.name),
    h(
      'div',
      { class: 'badges' },
      h('vscode-badge', { variant: 'counter' }, run.kind),
      h('vscode-badge', { class: `status-${run.status}`, 'data-status': run.status }, run.status),
    ),
    h('p', { class: 'meta' }, meta, meta && run.device ? ' · ' : '', deviceLine(run)),
    run.best ? h('p', { class: 'meta' }, `best validation: ${run.best}`) : '',
    run.error ? h('div', { class: 'error', role: 'alert' }, run.error) : '',
  );
  if (tabs && !tabChosen) {
    tabChosen = true;
    const index = TAB_INDEX[run.opensOn ?? 'training'];
    tabs.setAttribute('selected-index', String(index));
    (tabs as unknown as { selectedIndex: number }).selectedIndex = index;
  }
  if (rows.length === 0) {
    metricsSection.replaceChildren(
      h('p', { class: 'empty' }, run.status === 'running' ? 'Test metrics appear when the run ends.' : 'This run has no test metrics.'),
    );
    return;
  }
  // The headline first: the test accuracy (the first row) in large type, then the table and the confusion matrix.
  const [first, ...rest] = rows;
  metricsSection.replaceChildren(
    h(
      'p',
      { class: 'headline', 'data-headline': first.label },
      h('span', { class: 'label' }, first.label),
      h('strong', {}, first.value),
      first.hint ? h('span', { class: 'meta' }, ` on ${first.hint}`) : '',
    ),
    h(
      'table',
      { class: 'data' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Metric'), h('th', { scope: 'col' }, 'Value'), h('th', { scope: 'col' }, 'Note'))),
      h(
        'tbody',
        {},
        ...[first, ...rest].map((r) => h('tr', {}, h('th', { scope: 'row' }, r.label), h('td', {}, r.value), h('td', { class: 'hint' }, r.hint ?? ''))),
      ),
    ),
    confusion ? h('h2', {}, 'Confusion matrix') : '',
    confusion ? h('p', { class: 'meta' }, 'Rows: true class; columns: predicted class. Shading: share of the row (darker = more).') : '',
    confusion ? confusionTable(confusion) : '',
  );
}

// ---------- charts ----------
let lastCharts: ChartData[] = [];

function drawCharts(charts: ChartData[], rebuild = false): void {
  lastCharts = charts;
  post({ type: 'rendered', points: renderCharts(mode === 'compare' ? curvesSection : chartsSection, charts, rebuild) });
}

// VS Code swaps body classes (vscode-light / vscode-dark / vscode-high-contrast) on a theme change; canvas colours
// are not CSS, so the charts are rebuilt with the new variables (tables and diagrams are styled by CSS).
new MutationObserver(() => drawCharts(lastCharts, true)).observe(document.body, { attributes: true, attributeFilter: ['class'] });

/** The extension re-sends unchanged views (a poll, a file event): skip those, so focus and scroll stay put. */
const lastJson: Record<string, string> = {};
function changed(kind: string, value: unknown): boolean {
  const json = JSON.stringify(value);
  if (lastJson[kind] === json) return false;
  lastJson[kind] = json;
  return true;
}

window.addEventListener('message', (e: MessageEvent<ToWebview>) => {
  const m = e.data;
  switch (m.type) {
    case 'run':
      if (changed('run', m)) renderRun(m.run, m.metrics, m.confusion);
      break;
    case 'charts':
      drawCharts(m.charts);
      break;
    case 'review':
      if (changed('review', m.page)) renderReview(reviewSection, m.page);
      break;
    case 'comparison':
      if (changed('comparison', m.view)) renderComparison(compareSection, curvesSection, m.view);
      break;
    case 'reviewItem':
      reviewItemArrived(m.item);
      break;
    case 'noteSaved':
      noteSaved(reviewSection, m.id, m.savedAt);
      break;
    case 'progress':
      if (changed('progress', m.progress ?? null)) renderProgress(m.progress);
      break;
    case 'notice':
      notice.replaceChildren(h('div', { class: m.level === 'error' ? 'error' : 'meta' }, m.message));
      break;
  }
});

post({ type: 'ready' });
