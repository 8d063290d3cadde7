// The comparison view: the runs' table (reference row marked, reference chooser), the paired tests against the
// reference, the overlaid training curves (charts.ts), confusion matrices as heat-shaded tables and a reliability
// diagram per run. Colours are VS Code theme variables (CSS), so light, dark and high contrast need no code.
import type { ComparisonView, ReliabilityView } from '../src/protocol/webviewMessages';
import { button, h, pct, post, s, select } from './dom';
import { confusionTable } from './matrix';

function runTable(view: ComparisonView): HTMLElement {
  const t = view.table;
  return h(
    'table',
    { class: 'data', 'data-rows': t.rows.length },
    h('caption', { class: 'meta' }, 'Test metrics of each run; the accuracy interval is the 95% bootstrap confidence interval.'),
    h('thead', {}, h('tr', {}, ...t.columns.map((c) => h('th', { scope: 'col' }, c)))),
    h(
      'tbody',
      {},
      ...t.rows.map((r) => {
        const first = h('a', { href: '#', 'data-dir': r.dir, 'data-run': r.runId, title: `run ${r.runId}` }, r.cells[0]);
        first.addEventListener('click', (e) => {
          e.preventDefault();
          post({ type: 'openRun', dir: r.dir });
        });
        const cls = [r.best ? 'best' : '', r.reference ? 'reference' : ''].filter(Boolean).join(' ') || undefined;
        return h(
          'tr',
          { class: cls, 'data-reference': r.reference ? 'true' : undefined },
          h('th', { scope: 'row' }, first, r.reference ? h('span', { class: 'tag' }, 'reference') : ''),
          ...r.cells.slice(1).map((c) => h('td', {}, c)),
        );
      }),
    ),
  );
}

function significanceTable(view: ComparisonView): HTMLElement {
  const ref = view.reference.id;
  if (view.significance.length === 0) {
    return h('p', { class: 'empty' }, view.pending ? 'Computing the paired tests…' : 'No paired tests: the other runs have no test predictions.');
  }
  return h(
    'table',
    { class: 'data significance', 'data-rows': view.significance.length },
    h(
      'caption',
      { class: 'meta' },
      `Each run minus ${ref} on the same test examples: paired bootstrap 95% CI of the accuracy difference and McNemar's exact test on the examples only one of the two gets right.`,
    ),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Run', `Accuracy − ${ref}`, '95% CI (paired bootstrap)', 'Discordant examples', 'McNemar p', 'Verdict'].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      {},
      ...view.significance.map((r) =>
        r.error
          ? h('tr', { 'data-run': r.runId }, h('th', { scope: 'row' }, r.runId), h('td', { colspan: 5, class: 'error-cell' }, r.error))
          : h(
              'tr',
              { 'data-run': r.runId, 'data-significant': String(r.significant), class: r.significant ? 'significant' : undefined },
              h('th', { scope: 'row' }, r.runId),
              h('td', {}, r.difference),
              h('td', {}, r.ci),
              h('td', {}, r.discordant),
              h('td', {}, r.p),
              h('td', {}, r.verdict),
            ),
      ),
    ),
  );
}

const W = 240;
const H = 200;
const PAD = { l: 36, r: 8, t: 8, b: 30 };
const px = (x: number) => PAD.l + x * (W - PAD.l - PAD.r);
const py = (y: number) => H - PAD.b - y * (H - PAD.t - PAD.b);

/** Bars: accuracy of each confidence bin over its range; dots: mean confidence vs accuracy; dashed: perfect calibration. */
function reliabilityDiagram(r: ReliabilityView): HTMLElement {
  const ticks = [0, 0.5, 1];
  const svg = s(
    'svg',
    {
      viewBox: `0 0 ${W} ${H}`,
      width: W,
      height: H,
      role: 'img',
      'aria-label': `Reliability diagram of ${r.runId}: accuracy against confidence in ${r.bins.length} bins; ECE ${r.ece}`,
    },
    s('rect', { class: 'frame', x: PAD.l, y: PAD.t, width: W - PAD.l - PAD.r, height: H - PAD.t - PAD.b }),
    ...r.bins.map((b) =>
      s(
        'rect',
        { class: 'bar', x: px(b.lo) + 1, y: py(b.accuracy), width: Math.max(1, px(b.hi) - px(b.lo) - 2), height: py(0) - py(b.accuracy) },
        s('title', {}, `confidence ${pct(b.lo)}–${pct(b.hi)}: ${b.count} examples, accuracy ${pct(b.accuracy)}, mean confidence ${pct(b.confidence)}`),
      ),
    ),
    s('line', { class: 'diagonal', x1: px(0), y1: py(0), x2: px(1), y2: py(1) }),
    ...r.bins.map((b) => s('circle', { class: 'dot', cx: px(b.confidence), cy: py(b.accuracy), r: 3 })),
    ...ticks.flatMap((t) => [
      s('text', { class: 'tick', x: px(t), y: H - PAD.b + 12, 'text-anchor': 'middle' }, String(t)),
      s('text', { class: 'tick', x: PAD.l - 4, y: py(t) + 4, 'text-anchor': 'end' }, String(t)),
    ]),
    s('text', { class: 'axis', x: px(0.5), y: H - 4, 'text-anchor': 'middle' }, 'confidence'),
    s('text', { class: 'axis', x: 10, y: py(0.5), 'text-anchor': 'middle', transform: `rotate(-90 10 ${py(0.5)})` }, 'accuracy'),
  );
  return h(
    'figure',
    { class: 'reliability', 'data-run': r.runId, 'data-points': r.bins.length },
    h('figcaption', {}, h('strong', {}, r.runId), h('span', { class: 'meta' }, ` · ECE ${r.ece} · ${r.n} examples`)),
    svg,
  );
}

/** "Ensemble these runs" (a vscode-button: Tab, Enter and Space work), or why the runs cannot be ensembled. */
function ensembleBar(view: ComparisonView): HTMLElement | string {
  const e = view.ensemble;
  if (!e) return '';
  const note = e.busy
    ? 'Fitting the weights on the validation set…'
    : e.enabled
      ? 'Averages the runs’ probabilities with weights fit on the validation set, as a new run.'
      : (e.reason ?? '');
  const b = button('Ensemble these runs', () => {
    if (e.enabled && !e.busy) post({ type: 'ensemble' });
  });
  if (!e.enabled || e.busy) b.setAttribute('disabled', '');
  b.setAttribute('data-action', 'ensemble');
  return h('div', { class: 'filters', 'data-ensemble': e.busy ? 'busy' : String(e.enabled) }, b, h('span', { class: 'meta' }, ` ${note}`));
}

export function renderComparison(section: HTMLElement, curves: HTMLElement, view: ComparisonView): void {
  const chooser =
    view.table.rows.length > 1
      ? select(
          'Reference run',
          'reference',
          view.table.rows.map((r) => [r.dir, r.runId]),
          view.reference.dir,
          (dir) => post({ type: 'reference', dir }),
        )
      : '';
  section.replaceChildren(
    runTable(view),
    view.table.notes.length ? h('ul', { class: 'notes' }, ...view.table.notes.map((n) => h('li', {}, n))) : '',
    ensembleBar(view),
    h('h2', {}, 'Is the difference real?'),
    h('div', { class: 'filters' }, chooser),
    significanceTable(view),
    h('h2', {}, 'Training curves'),
    curves,
    h('h2', {}, 'Confusion matrices'),
    h('p', { class: 'meta' }, 'Rows: true class; columns: predicted class. Shading: share of the row (darker = more).'),
    h('div', { class: 'grid-small' }, ...view.confusions.map(confusionTable)),
    h('h2', {}, 'Reliability'),
    h(
      'p',
      { class: 'meta' },
      "Test examples binned by the model's confidence: bars are the accuracy in each bin, dots its mean confidence; a calibrated model follows the dashed diagonal.",
    ),
    h('div', { class: 'grid-small', 'data-legend': 'reliability' }, ...view.reliability.map(reliabilityDiagram)),
  );
}
