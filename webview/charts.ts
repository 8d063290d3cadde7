// uPlot line charts of the results panel. A chart that keeps its series only gets setData (the live training
// updates stay cheap); a new series set or a theme change rebuilds it with the current theme colours.
import uPlot from 'uplot';
import type { ChartData } from '../src/protocol/webviewMessages';
import { css, h } from './dom';

const plots = new Map<string, { plot: uPlot; signature: string; box: HTMLElement }>();

export function palette(): string[] {
  return [css('--vscode-charts-blue', '#3794ff'), css('--vscode-charts-orange', '#d18616'), css('--vscode-charts-green', '#89d185'),
    css('--vscode-charts-purple', '#b180d7'), css('--vscode-charts-red', '#f14c4c'), css('--vscode-charts-yellow', '#cca700')];
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
        // Validation accuracy per run is sparse: its evaluation points are marked on the line.
        points: { show: s.style === 'points' || c.id === 'compare-accuracy', size: 6, fill: colors[i % colors.length] },
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
  'compare-accuracy': 'None of these runs has validation evaluations (baselines have none).',
  'compare-loss': 'None of these runs has training steps (baselines have none).',
};

/** Draws or updates each chart inside `container`; returns the plotted points per chart id. */
export function renderCharts(container: HTMLElement, charts: ChartData[], rebuild = false): Record<string, number> {
  const report: Record<string, number> = {};
  for (const c of charts) {
    const n = pointCount(c);
    report[c.id] = n;
    let section = container.querySelector<HTMLElement>(`[data-chart="${c.id}"]`);
    if (!section) {
      section = h('figure', { class: 'chart', 'data-chart': c.id, 'aria-label': c.title }, h('h2', {}, c.title), h('div', { class: 'plot' }));
      container.append(section);
    }
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
    const plot = new uPlot(chartOptions(c, Math.max(300, box.clientWidth || 480)), data, box);
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
