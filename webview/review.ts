// The misclassified-review browser: filters (FP/FN, fixed/broken versus a baseline run, word-count quartile), a
// virtualised keyboard list of every matching review (./reviewList: arrow keys, Home/End, PageUp/PageDown; Enter
// jumps to the note) and the selected review with its words shaded by saliency and a note saved with the run. The
// list's rows are light (no texts): the text and saliency of the selected row are asked of the host when it is
// opened. Re-rendering keeps the selection, the focus and a note being typed.
import type { ReviewItem, ReviewPage, ReviewQuery, ReviewRow, SaliencySpan } from '../src/protocol/webviewMessages';
import { h, post, select } from './dom';
import { pct } from '../src/shared/format';
import { virtualList } from './reviewList';

let query: ReviewQuery = { filter: 'all', positive: 1 };
let selected: string | undefined;
/** Texts and saliency of the rows opened since the list was last sent (asked once each). */
const items = new Map<string, ReviewItem>();
const asked = new Set<string>();
/** Fills the detail's text when the selected row's item arrives. */
let fillText: ((it: ReviewItem) => void) | undefined;
/** Notes typed here, newer than the page's (the page is re-sent only when files change). */
const typed = new Map<string, string>();
let saveTimer: ReturnType<typeof setTimeout> | undefined;
let pendingNote: { id: string; text: string } | undefined;
/** "Hide punctuation and function words": kept across re-renders and reviews. */
let hideMinor = false;

function flushNote(): void {
  if (saveTimer) clearTimeout(saveTimer);
  saveTimer = undefined;
  if (pendingNote) post({ type: 'note', ...pendingNote });
  pendingNote = undefined;
}

export function noteSaved(section: HTMLElement, id: string, savedAt: string): void {
  const status = section.querySelector<HTMLElement>(`.detail[data-id="${CSS.escape(id)}"] .note-status`);
  if (status) status.textContent = `Saved in notes.json at ${new Date(savedAt).toLocaleTimeString()}`;
}

const conf = (c: number | undefined) => (typeof c === 'number' && Number.isFinite(c) ? `${pct(c)} confident` : 'confidence unknown');

function itemLine(it: ReviewRow): string {
  const parts = [`true ${it.label}`, `predicted ${it.pred}`, conf(it.confidence)];
  if (it.baselinePred !== undefined) parts.push(`baseline predicted ${it.baselinePred} (${conf(it.baselineConfidence)})`);
  if (it.words !== undefined) parts.push(`${it.words} words`);
  return parts.join(' · ');
}

const badge = (it: ReviewRow) => (it.change === 'fixed' ? `fixed · baseline ${it.kind}` : it.change === 'broken' ? `broken · ${it.kind}` : it.kind);

/** What a badge means, in words (its tooltip). For a fixed review the FP/FN is the baseline's mistake. */
function badgeTitle(it: ReviewRow, positive: string): string {
  const who = it.change === 'fixed' ? 'the baseline' : 'the model';
  const kind =
    it.kind === 'FP'
      ? `False positive: ${who} predicted ${positive} (the positive class), but the review is ${it.label}`
      : it.kind === 'FN'
        ? `False negative: the review is ${positive} (the positive class), but ${who} predicted another class`
        : `Wrong: true ${it.label}, predicted ${it.pred}`;
  const change =
    it.change === 'fixed'
      ? 'Fixed: this run is right where the baseline was wrong. '
      : it.change === 'broken'
        ? 'Broken: this run is wrong where the baseline was right. '
        : '';
  return `${change}${kind}.`;
}

/** Text with saliency: a focusable region; arrow keys move between the clearly shaded words. */
function salientText(spans: SaliencySpan[], it: ReviewRow): HTMLElement {
  const box = h('div', {
    class: 'text salient',
    tabindex: 0,
    role: 'group',
    'data-saliency': spans.filter((x) => x.score !== undefined).length,
    'aria-label': `Review text with word saliency. Arrow keys move between the highlighted words.`,
  });
  for (const sp of spans) {
    if (sp.score === undefined) {
      box.append(sp.text);
      continue;
    }
    const a = Math.min(1, Math.abs(sp.score));
    const sign = sp.score > 0 ? 'pos' : sp.score < 0 ? 'neg' : 'zero';
    const toward = sp.score > 0 ? `toward ${it.pred} (the prediction)` : `toward ${it.label === it.pred ? 'another class' : it.label}`;
    const strong = a >= 0.15;
    const w = h(
      'span',
      {
        class: `w ${sign}${a >= 0.5 ? ' strong' : ''}${sp.minor ? ' minor' : ''}`,
        'data-score': sp.score.toFixed(3),
        title: `${sp.score >= 0 ? '+' : '−'}${a.toFixed(2)}: ${toward}`,
        ...(strong ? { tabindex: -1, 'aria-label': `${sp.text}: ${sp.score >= 0 ? 'plus' : 'minus'} ${a.toFixed(2)}, ${toward}` } : {}),
      },
      sp.text,
    );
    w.style.setProperty('--a', a.toFixed(3));
    box.append(w);
  }
  box.addEventListener('keydown', (e) => {
    if (!['ArrowRight', 'ArrowLeft', 'ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key)) return;
    const words = [...box.querySelectorAll<HTMLElement>('.w[tabindex]')];
    if (words.length === 0) return;
    e.preventDefault();
    const at = words.indexOf(document.activeElement as HTMLElement);
    const next =
      e.key === 'Home'
        ? 0
        : e.key === 'End'
          ? words.length - 1
          : e.key === 'ArrowRight' || e.key === 'ArrowDown'
            ? Math.min(words.length - 1, at + 1)
            : Math.max(0, at < 0 ? 0 : at - 1);
    words[next].focus();
  });
  return box;
}

function legend(it: ReviewRow): HTMLElement {
  return h(
    'div',
    { class: 'legend', 'aria-label': 'Saliency legend' },
    h('span', { class: 'w pos strong swatch' }, 'word'),
    ` pushed the model toward its prediction (${it.pred}); `,
    h('span', { class: 'w neg strong swatch' }, 'word'),
    ' pushed it away. ',
    h('span', { class: 'in-words' }, 'Darker = the word pushed the prediction more; unshaded words hardly mattered.'),
    h(
      'span',
      { class: 'meta', title: "Gradient × input of the word's tokens, summed, scaled to the review's strongest word." },
      ' (How it is measured: gradient × input.)',
    ),
  );
}

/** Under the text (after it in the Tab order): leave punctuation and function words unshaded. */
function minorOption(text: () => HTMLElement | null): HTMLElement {
  const toggle = h('input', { type: 'checkbox', id: 'hide-minor', 'data-option': 'hide-minor', checked: hideMinor }) as HTMLInputElement;
  toggle.addEventListener('change', () => {
    hideMinor = toggle.checked;
    text()?.classList.toggle('hide-minor', hideMinor);
  });
  return h('label', { class: 'option', for: 'hide-minor' }, toggle, ' Hide punctuation and function words (the, of, is…)');
}

/** The text part of the detail: legend, text (shaded when it has saliency), the minor-words option. */
function textPart(it: ReviewItem): HTMLElement[] {
  const text = it.saliency
    ? salientText(it.saliency, it)
    : it.text
      ? h('div', { class: 'text full' }, it.text)
      : h('p', { class: 'empty' }, 'The text of this example is not available (only its id is in predictions.jsonl).');
  const textEl = text.classList.contains('salient') ? text : null;
  textEl?.classList.toggle('hide-minor', hideMinor);
  return [
    it.saliency
      ? legend(it)
      : h('p', { class: 'meta' }, it.text ? "No saliency for this review (saliency.jsonl covers the fine-tuned run's most confident mistakes)." : ''),
    text,
    ...(it.saliency ? [minorOption(() => textEl)] : []),
  ];
}

/** The opened row: its line and note now, its text (slot) when the host sends the item. */
function detail(it: ReviewRow, listItem: () => HTMLElement | null): HTMLElement {
  const note = h('textarea', {
    id: 'note',
    class: 'note',
    rows: 4,
    'data-id': it.id,
    placeholder: 'What does this review show about the model? (saved with the run)',
  }) as HTMLTextAreaElement;
  note.value = typed.get(it.id) ?? it.note ?? '';
  const status = h('span', { class: 'meta note-status', role: 'status' }, it.note ? 'Saved in notes.json' : '');
  note.addEventListener('input', () => {
    typed.set(it.id, note.value);
    // The row's "note" tag follows the text (rows rendered later read `typed`).
    const head = listItem()?.querySelector('.head');
    const tag = head?.querySelector('.tag.note');
    if (note.value && head && !tag) head.append(h('span', { class: 'tag note' }, 'note'));
    else if (!note.value) tag?.remove();
    pendingNote = { id: it.id, text: note.value };
    status.textContent = 'Saving…';
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(flushNote, 400);
  });
  note.addEventListener('blur', flushNote);
  note.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') listItem()?.focus();
  });
  const known = items.get(it.id);
  const slot = h('div', { class: 'text-slot' }, ...(known ? textPart(known) : [h('p', { class: 'meta loading' }, 'Loading the text…')]));
  fillText = (item) => {
    if (item.id === it.id) slot.replaceChildren(...textPart(item));
  };
  return h(
    'section',
    { class: 'detail', 'data-id': it.id, 'aria-label': `Review ${it.id}` },
    h('h3', {}, it.id),
    h('p', { class: 'meta' }, itemLine(it)),
    slot,
    h('label', { for: 'note', class: 'note-label' }, 'Note'),
    note,
    status,
  );
}

/** The host's answer to reviewItem: kept, and shown when its row is the opened one. */
export function reviewItemArrived(item: ReviewItem): void {
  items.set(item.id, item);
  if (item.id === selected) fillText?.(item);
}

export function renderReview(section: HTMLElement, page: ReviewPage): void {
  const noteFocused = document.activeElement instanceof HTMLTextAreaElement && section.contains(document.activeElement);
  const listFocused = section.querySelector('.list')?.contains(document.activeElement) ?? false;
  if (noteFocused) flushNote();
  query = page.query;
  if (page.evaluated === 0) {
    section.replaceChildren(h('p', { class: 'empty' }, 'No predictions yet: they are written when the run is evaluated on its test split.'));
    return;
  }
  const ask = (q: Partial<ReviewQuery>) => {
    flushNote();
    post({ type: 'review', query: { ...query, ...q } });
  };
  const hasBase = !!page.versus;
  const filters = h(
    'div',
    { class: 'filters' },
    h('span', { class: 'meta' }, `${page.wrong} of ${page.evaluated} test examples are wrong; most confident first.`),
    select(
      'Show',
      'filter',
      [
        ['all', `All (${page.counts.all})`],
        ['fp', `False positives (${page.counts.fp})`],
        ['fn', `False negatives (${page.counts.fn})`],
      ],
      page.query.filter,
      (v) => ask({ filter: v as ReviewQuery['filter'] }),
    ),
    page.labels.length > 1
      ? select(
          'Positive class',
          'positive',
          page.labels.map((l, i) => [String(i), l]),
          String(page.query.positive),
          (v) => ask({ positive: Number(v) }),
        )
      : '',
    page.baselines.length
      ? select('Baseline', 'baseline', [['', 'none'], ...page.baselines.map((b): [string, string] => [b.dir, b.id])], page.query.baseline ?? '', (v) =>
          ask({ baseline: v, change: v ? query.change : 'all' }),
        )
      : '',
    page.baselines.length
      ? select(
          'Versus baseline',
          'change',
          [
            ['all', "this run's mistakes"],
            ['fixed', `fixed: right here, baseline wrong (${page.versus?.fixed ?? 0})`],
            ['broken', `broken: wrong here, baseline right (${page.versus?.broken ?? 0})`],
          ],
          page.query.change ?? 'all',
          (v) => ask({ change: v as ReviewQuery['change'] }),
          !hasBase,
        )
      : '',
    page.lengths.length
      ? select(
          'Length',
          'length',
          [['-1', 'any length'], ...page.lengths.map((b): [string, string] => [String(b.index), `Q${b.index + 1}: ${b.label} (${b.count})`])],
          String(page.query.length ?? -1),
          (v) => ask({ length: Number(v) }),
        )
      : '',
  );
  const pos = page.labels[page.query.positive] ?? String(page.query.positive);
  const others = page.labels.filter((_, i) => i !== page.query.positive).join(' or ') || 'another class';
  const badgeLegend = h(
    'p',
    { class: 'meta badge-legend' },
    h('strong', {}, 'FP'),
    ` = false positive: predicted ${pos}, truly ${others}. `,
    h('strong', {}, 'FN'),
    ` = false negative: truly ${pos}, predicted ${others}. `,
    `(${pos} is the positive class; change it above.)`,
  );
  const summary = h(
    'p',
    { class: 'meta summary', 'data-total': page.total },
    `${page.total} shown by these filters`,
    page.versus ? ` · versus ${page.versus.id} on ${page.versus.shared} shared test examples: ${page.versus.fixed} fixed, ${page.versus.broken} broken` : '',
    page.saliencyCount ? ` · ${page.saliencyCount} reviews have word saliency` : '',
  );
  const warnings = page.warnings.length ? h('ul', { class: 'notes warnings' }, ...page.warnings.map((w) => h('li', {}, w))) : '';

  items.clear();
  asked.clear();
  fillText = undefined;
  const rows = page.rows;
  if (!rows.some((it) => it.id === selected)) selected = rows[0]?.id;
  const positive = page.labels[page.query.positive] ?? String(page.query.positive);
  const detailBox = h('div', { class: 'detail-box' });
  const open = (i: number) => {
    const it = rows[i];
    if (!it) return;
    if (selected !== it.id) flushNote();
    selected = it.id;
    detailBox.replaceChildren(detail(it, () => list.rowEl(i)));
    if (!items.has(it.id) && !asked.has(it.id)) {
      asked.add(it.id);
      post({ type: 'reviewItem', id: it.id });
    }
  };
  const row = (i: number): HTMLElement => {
    const it = rows[i];
    return h(
      'article',
      {
        class: 'mistake',
        role: 'option',
        tabindex: -1,
        'data-id': it.id,
        'data-kind': it.kind,
        'data-change': it.change,
        'data-words': it.words,
        'aria-label': `${badge(it)}: ${it.id}, ${itemLine(it)}`,
      },
      h(
        'div',
        { class: 'head' },
        h('vscode-badge', { title: badgeTitle(it, positive) }, badge(it)),
        h('strong', {}, it.id),
        it.salient ? h('span', { class: 'tag' }, 'saliency') : '',
        (typed.get(it.id) ?? it.note) ? h('span', { class: 'tag note' }, 'note') : '',
      ),
      h('div', { class: 'meta line' }, itemLine(it)),
    );
  };
  const at = Math.max(
    0,
    rows.findIndex((it) => it.id === selected),
  );
  const list = virtualList({
    count: rows.length,
    label: `Reviews, most confident first (${rows.length}). Arrow keys, Page Up/Down, Home and End move, Enter goes to the note.`,
    selected: at,
    render: row,
    onSelect: open,
    onEnter: () => detailBox.querySelector<HTMLElement>('textarea')?.focus(),
  });
  const body = rows.length ? h('div', { class: 'review-body' }, list.el, detailBox) : h('p', { class: 'empty' }, 'No reviews match these filters.');
  section.replaceChildren(filters, badgeLegend, summary, warnings, body);
  if (rows.length) list.select(at, listFocused);
  if (noteFocused) detailBox.querySelector<HTMLElement>('textarea')?.focus();
}
