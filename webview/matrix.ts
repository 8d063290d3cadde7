// The confusion matrix as a heat-shaded table: the comparison shows one per run, a run's Test metrics tab its own.
import type { ConfusionView } from '../src/protocol/webviewMessages';
import { h, pct } from './dom';

/** Rows = true class, columns = predicted; each cell shaded by its share of the row (the diagonal is recall). */
export function confusionTable(c: ConfusionView): HTMLElement {
  return h(
    'figure',
    { class: 'confusion', 'data-run': c.runId, 'data-cells': c.cells.flat().length },
    h('figcaption', {}, h('strong', {}, c.runId), h('span', { class: 'meta' }, ` · ${c.n} test examples`)),
    h(
      'table',
      { class: 'matrix', 'aria-label': `Confusion matrix of ${c.runId}: rows are the true class, columns the predicted class` },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'true ↓ / predicted →'), ...c.labels.map((l) => h('th', { scope: 'col' }, l)))),
      h(
        'tbody',
        {},
        ...c.cells.map((row, i) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, c.labels[i] ?? String(i)),
            ...row.map((cell) => {
              const td = h(
                'td',
                { class: cell.correct ? 'hit' : 'miss', 'data-count': cell.count, title: `${cell.count} (${pct(cell.share)} of the row)` },
                h('span', { class: 'count' }, String(cell.count)),
                h('span', { class: 'share' }, pct(cell.share)),
              );
              // Shading through a CSS custom property (CSSOM, allowed by the CSP): the colour itself stays in the stylesheet.
              td.style.setProperty('--share', cell.share.toFixed(3));
              return td;
            }),
          ),
        ),
      ),
    ),
  );
}
