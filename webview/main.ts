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
import uPlot from 'uplot';
import type {
  ChartData, ComparisonTable, FromWebview, MetricRow, ReviewPage, ReviewQuery, RunHeader, ToWebview,
} from '../src/protocol/webviewMessages';

declare function acquireVsCodeApi(): { postMessage(m: FromWebview): void };
const vscode = acquireVsCodeApi();
const post = (m: FromWebview) => vscode.postMessage(m);

const app = document.getElementById('app') as HTMLElement;
const mode = app.dataset.mode === 'compare' ? 'compare' : 'run';

/** Small DOM helper: element with attributes and children (strings become text nodes, never HTML). */
function h(tag: string, attrs: Record<string, string | number | boolean | undefined> = {}, ...children: (Node | string | undefined)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== undefined) el.append(c);
  return el;
}

function css(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

// ---------- layout ----------
const header = h('header');
const metricsSection = h('section', { 'aria-label': 'Test metrics' });
const chartsSection = h('section', { class: 'charts', 'aria-label': 'Training charts' });
const reviewSection = h('section', { 'aria-label': 'Misclassified examples' });
const compareSection = h('section', { 'aria-label': 'Comparison of runs' });
const notice = h('div', { role: 'status' });

function button(label: string, onClick: () => void, secondary = true): HTMLElement {
  const b = h('vscode-button', secondary ? { secondary: true } : {}, label);
  b.addEventListener('click', onClick);
  return b;
}

if (mode === 'run') {
  const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Run actions' },
    button('Compare runs', () => post({ type: 'command', command: 'compare' })),
    button('Evaluate on another dataset', () => post({ type: 'command', command: 'evaluate' })),
    button('Try on a text', () => post({ type: 'command', command: 'tryText' })),
    button('Export model', () => post({ type: 'command', command: 'export' })),
    button('Write reflection', () => post({ type: 'command', command: 'reflect' })),
  );
  const tabs = h('vscode-tabs', { 'selected-index': 0 },
    h('vscode-tab-header', { slot: 'header', 'data-tab': 'training' }, 'Training'),
    h('vscode-tab-panel', {}, chartsSection),
    h('vscode-tab-header', { slot: 'header', 'data-tab': 'metrics' }, 'Test metrics'),
    h('vscode-tab-panel', {}, metricsSection),
    h('vscode-tab-header', { slot: 'header', 'data-tab': 'mistakes' }, 'Mistakes'),
    h('vscode-tab-panel', {}, reviewSection),
  );
  app.append(header, notice, toolbar, tabs);
} else {
  app.append(h('h1', {}, 'Compare runs'), notice, compareSection,
    h('div', { class: 'toolbar' }, button('Write reflection', () => post({ type: 'command', command: 'reflect' }))));
}

// ---------- run header and metrics ----------
function renderRun(run: RunHeader, rows: MetricRow[]): void {
  const meta = [run.model && `model ${run.model}`, run.dataset && `dataset ${run.dataset}`, run.device && `on ${run.device}`, run.duration && `took ${run.duration}`]
    .filter(Boolean).join(' · ');
  header.replaceChildren(
    h('h1', { 'data-run': run.id }, run.id),
    h('div', { class: 'badges' }, h('vscode-badge', { variant: 'counter' }, run.kind), h('vscode-badge', { class: `status-${run.status}`, 'data-status': run.status }, run.status)),
    h('p', { class: 'meta' }, meta),
    run.best ? h('p', { class: 'meta' }, `best validation: ${run.best}`) : '',
    run.error ? h('div', { class: 'error', role: 'alert' }, run.error) : '',
  );
  if (rows.length === 0) {
    metricsSection.replaceChildren(h('p', { class: 'empty' }, run.status === 'running' ? 'Test metrics appear when the run ends.' : 'This run has no test metrics.'));
    return;
  }
  metricsSection.replaceChildren(h('table', { class: 'data' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Metric'), h('th', { scope: 'col' }, 'Value'), h('th', { scope: 'col' }, 'Note'))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, h('th', { scope: 'row' }, r.label), h('td', {}, r.value), h('td', { class: 'hint' }, r.hint ?? '')))),
  ));
}

// ---------- charts ----------
const plots = new Map<string, { plot: uPlot; signature: string; box: HTMLElement }>();
let lastCharts: ChartData[] = [];

function palette(): string[] {
  return [css('--vscode-charts-blue', '#3794ff'), css('--vscode-charts-orange', '#d18616'), css('--vscode-charts-green', '#89d185'),
    css('--vscode-charts-purple', '#b180d7'), css('--vscode-charts-red', '#f14c4c')];
}

function chartOptions(c: ChartData, width: number): uPlot.Options {
  const fg = css('--vscode-foreground', '#888');
  const grid = css('--vscode-editorWidget-border', css('--vscode-panel-border', '#8884'));
  const colors = palette();
  const axis = (label: string): uPlot.Axis => ({ label, stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } });
  // Learning rates are ~1e-5: uPlot's default tick labels would all read 0.
  const yAxis: uPlot.Axis = c.id === 'lr' ? { ...axis(c.yLabel), size: 70, values: (_u, splits) => splits.map((v) => (v === 0 ? '0' : v.toExponential(2))) } : axis(c.yLabel);
  return {
    width, height: 220,
    scales: { x: { time: false } },
    axes: [axis(c.xLabel), yAxis],
    legend: { show: true },
    series: [
      { label: c.xLabel },
      ...c.series.map((s, i): uPlot.Series => ({
        label: s.label,
        stroke: colors[i % colors.length],
        width: s.style === 'faint' ? 1 : 2,
        alpha: s.style === 'faint' ? 0.35 : 1,
        spanGaps: true,
        points: { show: s.style === 'points', size: 6, fill: colors[i % colors.length] },
        ...(s.style === 'points' ? { paths: () => null } : {}),
      })),
    ],
  };
}

function points(c: ChartData): number {
  return c.series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0);
}

function renderCharts(charts: ChartData[], rebuild = false): void {
  lastCharts = charts;
  const report: Record<string, number> = {};
  for (const c of charts) {
    const n = points(c);
    report[c.id] = n;
    let section = chartsSection.querySelector<HTMLElement>(`[data-chart="${c.id}"]`);
    if (!section) {
      section = h('figure', { class: 'chart', 'data-chart': c.id, 'aria-label': c.title }, h('h2', {}, c.title), h('div', { class: 'plot' }));
      chartsSection.append(section);
    }
    section.dataset.points = String(n);
    const box = section.querySelector('.plot') as HTMLElement;
    if (n === 0) {
      plots.get(c.id)?.plot.destroy();
      plots.delete(c.id);
      box.replaceChildren(h('p', { class: 'empty' }, c.id === 'accuracy' ? 'No validation evaluations yet.' : 'No training steps yet (baselines have none).'));
      continue;
    }
    const data = [c.x, ...c.series.map((s) => s.values)] as uPlot.AlignedData;
    const signature = c.series.map((s) => s.label).join('|');
    const existing = plots.get(c.id);
    if (existing && existing.signature === signature && !rebuild) {
      existing.plot.setData(data);
      continue;
    }
    existing?.plot.destroy();
    box.replaceChildren();
    const plot = new uPlot(chartOptions(c, Math.max(300, box.clientWidth || 480)), data, box);
    plots.set(c.id, { plot, signature, box });
    resizer.observe(box);
  }
  post({ type: 'rendered', points: report });
}

// Each plot follows its box's width (the box can be created while its tab is hidden, at width 0).
const resizer = new ResizeObserver(() => {
  for (const { plot, box } of plots.values()) {
    if (box.clientWidth > 0 && Math.abs(plot.width - box.clientWidth) > 2) plot.setSize({ width: box.clientWidth, height: 220 });
  }
});

// VS Code swaps body classes (vscode-light / vscode-dark / vscode-high-contrast) on a theme change; canvas colours
// are not CSS, so the charts are rebuilt with the new variables.
new MutationObserver(() => renderCharts(lastCharts, true)).observe(document.body, { attributes: true, attributeFilter: ['class'] });

// ---------- misclassified review ----------
let query: ReviewQuery = { filter: 'all', positive: 1, offset: 0, limit: 20 };

function select(label: string, options: [string, string][], value: string, onChange: (v: string) => void): HTMLElement {
  const s = h('vscode-single-select', { 'aria-label': label }, ...options.map(([v, text]) => h('vscode-option', { value: v, selected: v === value }, text)));
  s.addEventListener('change', () => onChange((s as unknown as { value: string }).value));
  return h('label', {}, `${label} `, s);
}

function renderReview(page: ReviewPage): void {
  query = page.query;
  if (page.evaluated === 0) {
    reviewSection.replaceChildren(h('p', { class: 'empty' }, 'No predictions yet: they are written when the run is evaluated on its test split.'));
    return;
  }
  const ask = (q: Partial<ReviewQuery>) => post({ type: 'review', query: { ...query, ...q } });
  const filters = h('div', { class: 'filters' },
    select('Show', [['all', `All mistakes (${page.counts.all})`], ['fp', `False positives (${page.counts.fp})`], ['fn', `False negatives (${page.counts.fn})`]],
      page.query.filter, (v) => ask({ filter: v as ReviewQuery['filter'], offset: 0 })),
    page.labels.length > 1 ? select('Positive class', page.labels.map((l, i) => [String(i), l]), String(page.query.positive), (v) => ask({ positive: Number(v), offset: 0 })) : '',
    h('span', { class: 'meta' }, `${page.counts.all} of ${page.evaluated} test examples are wrong; most confident first.`),
  );
  const items = page.items.map((it) => h('article', { class: 'mistake', tabindex: 0, 'data-kind': it.kind, 'aria-label': `${it.kind}: ${it.id}` },
    h('div', { class: 'head' }, h('vscode-badge', {}, it.kind), h('strong', {}, it.id),
      h('span', { class: 'meta' }, `true ${it.label} · predicted ${it.pred} · ${Number.isFinite(it.confidence) ? `${(100 * it.confidence).toFixed(1)}% confident` : 'confidence unknown'}`)),
    it.text ? h('div', { class: 'text' }, it.text) : undefined,
  ));
  const from = page.total === 0 ? 0 : page.query.offset + 1;
  const to = page.query.offset + page.items.length;
  const prev = button('Previous', () => ask({ offset: Math.max(0, query.offset - query.limit) }));
  const next = button('Next', () => ask({ offset: query.offset + query.limit }));
  if (page.query.offset === 0) prev.setAttribute('disabled', '');
  if (to >= page.total) next.setAttribute('disabled', '');
  reviewSection.replaceChildren(filters, h('div', { class: 'list' }, ...items),
    h('div', { class: 'pager' }, prev, h('span', { class: 'meta' }, `${from}–${to} of ${page.total}`), next));
}

// ---------- comparison ----------
function renderComparison(t: ComparisonTable): void {
  compareSection.replaceChildren(
    h('table', { class: 'data', 'data-rows': t.rows.length },
      h('thead', {}, h('tr', {}, ...t.columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ...t.rows.map((r) => {
        const first = h('a', { href: '#', 'data-dir': r.dir }, r.cells[0]);
        first.addEventListener('click', (e) => { e.preventDefault(); post({ type: 'openRun', dir: r.dir }); });
        return h('tr', { class: r.best ? 'best' : undefined }, h('th', { scope: 'row' }, first), ...r.cells.slice(1).map((c) => h('td', {}, c)));
      })),
    ),
    t.notes.length ? h('ul', { class: 'notes' }, ...t.notes.map((n) => h('li', {}, n))) : '',
  );
}

window.addEventListener('message', (e: MessageEvent<ToWebview>) => {
  const m = e.data;
  switch (m.type) {
    case 'run': renderRun(m.run, m.metrics); break;
    case 'charts': renderCharts(m.charts); break;
    case 'review': renderReview(m.page); break;
    case 'comparison': renderComparison(m.table); break;
    case 'notice': notice.replaceChildren(h('div', { class: m.level === 'error' ? 'error' : 'meta' }, m.message)); break;
  }
});

post({ type: 'ready' });
