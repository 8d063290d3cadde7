// uPlot line charts of the results panel. A chart that keeps its series only gets setData (the live training
// updates stay cheap); a new series set or a theme change rebuilds it with the current theme colours.
import uPlot from 'uplot';
import type { ChartData } from '../src/protocol/webviewMessages';
import { css, h } from './dom';

const plots = new Map<string, { plot: uPlot; signature: string; box: HTMLElement }>();

export function palette(): string[] {
  return [
    css('--vscode-charts-blue', '#3794ff'),
    css('--vscode-charts-orange', '#d18616'),
    css('--vscode-charts-green', '#89d185'),
    css('--vscode-charts-purple', '#b180d7'),
    css('--vscode-charts-red', '#f14c4c'),
    css('--vscode-charts-yellow', '#cca700'),
  ];
}

/**
 * Tick labels with as many decimals as it takes to tell them apart (uPlot's default can print four "0.875" over a
 * narrow range): the fewest digits, 0 to 6, at which every label differs; beyond that, exponents.
 */
export function tickLabels(values: readonly number[], exponential = false): string[] {
  const distinct = (labels: string[]) => new Set(labels).size === labels.length;
  if (exponential) {
    for (let d = 1; d <= 6; d++) {
      const labels = values.map((v) => (v === 0 ? '0' : v.toExponential(d)));
      if (distinct(labels)) return labels;
    }
    return values.map((v) => v.toExponential(6));
  }
  for (let d = 0; d <= 6; d++) {
    const labels = values.map((v) => v.toFixed(d).replace(/^-0(\.0*)?$/, '0$1'));
    if (distinct(labels)) return labels;
  }
  return values.map((v) => v.toExponential(3));
}

function chartOptions(c: ChartData, width: number, section: HTMLElement): uPlot.Options {
  const fg = css('--vscode-foreground', '#888');
  const grid = css('--vscode-editorWidget-border', css('--vscode-panel-border', '#8884'));
  const colors = palette();
  // The labels drawn (on the canvas) are also left on the figure for tests and screen readers.
  const axis = (label: string, key: 'x' | 'y', exponential = false): uPlot.Axis => ({
    label,
    stroke: fg,
    grid: { stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1 },
    values: (_u, splits) => {
      const labels = tickLabels(splits, exponential);
      section.dataset[`${key}ticks`] = labels.join('|');
      return labels;
    },
  });
  // Learning rates are ~1e-5: they get exponents.
  const yAxis: uPlot.Axis = c.id === 'lr' ? { ...axis(c.yLabel, 'y', true), size: 70 } : axis(c.yLabel, 'y');
  return {
    width,
    height: 220,
    scales: { x: { time: false } },
    axes: [axis(c.xLabel, 'x'), yAxis],
    legend: { show: true },
    series: [
      { label: c.xLabel },
      ...c.series.map((s, i): uPlot.Series => ({
        label: s.label,
        stroke: colors[i % colors.length],
        width: s.style === 'faint' ? 1 : 2,
        alpha: s.style === 'faint' ? 0.35 : 1,
        ...(s.style === 'reference' ? { dash: [6, 4] } : {}),
        spanGaps: true,
        // Validation accuracy per run is sparse: its evaluation points are marked on the line.
        points: { show: s.style === 'points' || (c.id === 'compare-accuracy' && s.style !== 'reference'), size: 6, fill: colors[i % colors.length] },
        ...(s.style === 'points' ? { paths: () => null } : {}),
      })),
    ],
  };
}

export function pointCount(c: ChartData): number {
  return c.series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0);
}

const EMPTY: Partial<Record<ChartData['id'], string>> = {
  accuracy: 'No validation evaluations yet.',
  fit: 'No optimizer iterations recorded yet.',
  'compare-accuracy': 'None of these runs has validation evaluations (baselines have none).',
  'compare-loss': "None of these runs is a fine-tuning run with training steps (a baseline's optimizer iterations are not fine-tuning steps).",
};

/** Draws or updates each chart inside `container`; returns the plotted points per chart id. */
export function renderCharts(container: HTMLElement, charts: ChartData[], rebuild = false): Record<string, number> {
  const report: Record<string, number> = {};
  for (const c of charts) {
    const n = pointCount(c);
    report[c.id] = n;
    let section = container.querySelector<HTMLElement>(`[data-chart="${c.id}"]`);
    if (!section) {
      section = h(
        'figure',
        { class: 'chart', 'data-chart': c.id, 'aria-label': c.title },
        h('h2', {}, c.title),
        h('div', { class: 'plot' }),
        h('figcaption', { class: 'meta' }),
      );
      container.append(section);
    }
    const title = section.querySelector('h2');
    if (title && title.textContent !== c.title) title.textContent = c.title;
    const caption = section.querySelector('figcaption');
    if (caption && caption.textContent !== (c.note ?? '')) caption.textContent = c.note ?? '';
    section.dataset.points = String(n);
    section.dataset.series = String(c.series.filter((s) => s.values.some((v) => v !== null)).length);
    const box = section.querySelector('.plot') as HTMLElement;
    if (n === 0) {
      plots.get(c.id)?.plot.destroy();
      plots.delete(c.id);
      box.replaceChildren(h('p', { class: 'empty' }, EMPTY[c.id] ?? 'No training steps yet (baselines have none).'));
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
    const plot = new uPlot(chartOptions(c, Math.max(300, box.clientWidth || 480), section), data, box);
    plots.set(c.id, { plot, signature, box });
    resizer.observe(box);
  }
  return report;
}

// Each plot follows its box's width (the box can be created while its tab is hidden, at width 0).
const resizer = new ResizeObserver(() => {
  for (const { plot, box } of plots.values()) {
    if (box.clientWidth > 0 && Math.abs(plot.width - box.clientWidth) > 2) plot.setSize({ width: box.clientWidth, height: 220 });
  }
});
