// The misclassified-review browser: filters (FP/FN, fixed/broken versus a baseline run, word-count quartile), a
// keyboard list of the reviews (a listbox: arrow keys, Home/End; Enter jumps to the note) and the selected review
// with its words shaded by saliency and a note saved with the run. Re-rendering keeps the selection, the focus and
// a note being typed.
import type { ReviewItem, ReviewPage, ReviewQuery, SaliencySpan } from '../src/protocol/webviewMessages';
import { button, h, post, select } from './dom';
import { pct } from '../src/shared/format';

let query: ReviewQuery = { filter: 'all', positive: 1, offset: 0, limit: 50 };
let selected: string | undefined;
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

function itemLine(it: ReviewItem): string {
  const parts = [`true ${it.label}`, `predicted ${it.pred}`, conf(it.confidence)];
  if (it.baselinePred !== undefined) parts.push(`baseline predicted ${it.baselinePred} (${conf(it.baselineConfidence)})`);
  if (it.words !== undefined) parts.push(`${it.words} words`);
  return parts.join(' · ');
}

const badge = (it: ReviewItem) => (it.change === 'fixed' ? `fixed · baseline ${it.kind}` : it.change === 'broken' ? `broken · ${it.kind}` : it.kind);

/** What a badge means, in words (its tooltip). For a fixed review the FP/FN is the baseline's mistake. */
function badgeTitle(it: ReviewItem, positive: string): string {
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
function salientText(spans: SaliencySpan[], it: ReviewItem): HTMLElement {
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

function legend(it: ReviewItem): HTMLElement {
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

function detail(it: ReviewItem, listItem: () => HTMLElement | null): HTMLElement {
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
    pendingNote = { id: it.id, text: note.value };
    status.textContent = 'Saving…';
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(flushNote, 400);
  });
  note.addEventListener('blur', flushNote);
  note.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') listItem()?.focus();
  });
  const text = it.saliency
    ? salientText(it.saliency, it)
    : it.text
      ? h('div', { class: 'text full' }, it.text)
      : h('p', { class: 'empty' }, 'The text of this example is not available (only its id is in predictions.jsonl).');
  const textEl = text instanceof HTMLElement && text.classList.contains('salient') ? text : null;
  textEl?.classList.toggle('hide-minor', hideMinor);
  return h(
    'section',
    { class: 'detail', 'data-id': it.id, 'aria-label': `Review ${it.id}` },
    h('h3', {}, it.id),
    h('p', { class: 'meta' }, itemLine(it)),
    it.saliency
      ? legend(it)
      : h('p', { class: 'meta' }, it.text ? "No saliency for this review (saliency.jsonl covers the fine-tuned run's most confident mistakes)." : ''),
    text,
    it.saliency ? minorOption(() => textEl) : '',
    h('label', { for: 'note', class: 'note-label' }, 'Note'),
    note,
    status,
  );
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
      (v) => ask({ filter: v as ReviewQuery['filter'], offset: 0 }),
    ),
    page.labels.length > 1
      ? select(
          'Positive class',
          'positive',
          page.labels.map((l, i) => [String(i), l]),
          String(page.query.positive),
          (v) => ask({ positive: Number(v), offset: 0 }),
        )
      : '',
    page.baselines.length
      ? select('Baseline', 'baseline', [['', 'none'], ...page.baselines.map((b): [string, string] => [b.dir, b.id])], page.query.baseline ?? '', (v) =>
          ask({ baseline: v, change: v ? query.change : 'all', offset: 0 }),
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
          (v) => ask({ change: v as ReviewQuery['change'], offset: 0 }),
          !hasBase,
        )
      : '',
    page.lengths.length
      ? select(
          'Length',
          'length',
          [['-1', 'any length'], ...page.lengths.map((b): [string, string] => [String(b.index), `Q${b.index + 1}: ${b.label} (${b.count})`])],
          String(page.query.length ?? -1),
          (v) => ask({ length: Number(v), offset: 0 }),
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

  if (!page.items.some((it) => it.id === selected)) selected = page.items[0]?.id;
  const list = h('div', { class: 'list', role: 'listbox', 'aria-label': 'Reviews, most confident first. Arrow keys move, Enter goes to the note.' });
  const detailBox = h('div', { class: 'detail-box' });
  const byId = new Map(page.items.map((it) => [it.id, it]));
  const itemEl = (id: string | undefined) => (id ? list.querySelector<HTMLElement>(`.mistake[data-id="${CSS.escape(id)}"]`) : null);
  const choose = (id: string) => {
    if (selected !== id) flushNote();
    selected = id;
    for (const el of list.querySelectorAll<HTMLElement>('.mistake')) {
      const on = el.dataset.id === id;
      el.setAttribute('aria-selected', String(on));
      el.tabIndex = on ? 0 : -1;
    }
    const it = byId.get(id);
    detailBox.replaceChildren(it ? detail(it, () => itemEl(selected)) : '');
  };
  for (const it of page.items) {
    const el = h(
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
        h('vscode-badge', { title: badgeTitle(it, page.labels[page.query.positive] ?? String(page.query.positive)) }, badge(it)),
        h('strong', {}, it.id),
        h('span', { class: 'meta' }, itemLine(it)),
        it.saliency ? h('span', { class: 'tag' }, 'saliency') : '',
        (typed.get(it.id) ?? it.note) ? h('span', { class: 'tag' }, 'note') : '',
      ),
      it.text ? h('div', { class: 'text' }, it.text) : undefined,
    );
    el.addEventListener('focus', () => choose(it.id));
    el.addEventListener('click', () => el.focus());
    list.append(el);
  }
  list.addEventListener('keydown', (e) => {
    const items = [...list.querySelectorAll<HTMLElement>('.mistake')];
    const at = items.findIndex((x) => x.dataset.id === selected);
    let next = -1;
    if (e.key === 'ArrowDown') next = Math.min(items.length - 1, at + 1);
    else if (e.key === 'ArrowUp') next = Math.max(0, at - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = items.length - 1;
    else if (e.key === 'Enter') {
      e.preventDefault();
      detailBox.querySelector<HTMLElement>('textarea')?.focus();
      return;
    } else return;
    e.preventDefault();
    items[next]?.focus();
  });
  const from = page.total === 0 ? 0 : page.query.offset + 1;
  const to = page.query.offset + page.items.length;
  const prev = button('Previous', () => ask({ offset: Math.max(0, query.offset - query.limit) }));
  const next = button('Next', () => ask({ offset: query.offset + query.limit }));
  if (page.query.offset === 0) prev.setAttribute('disabled', '');
  if (to >= page.total) next.setAttribute('disabled', '');
  const body = page.items.length ? h('div', { class: 'review-body' }, list, detailBox) : h('p', { class: 'empty' }, 'No reviews match these filters.');
  section.replaceChildren(
    filters,
    badgeLegend,
    summary,
    warnings,
    body,
    h('div', { class: 'pager' }, prev, h('span', { class: 'meta' }, `${from}–${to} of ${page.total}`), next),
  );
  if (selected) choose(selected);
  if (listFocused) itemEl(selected)?.focus();
  else if (noteFocused) detailBox.querySelector<HTMLElement>('textarea')?.focus();
}
