// The "Fine-tune" form's browser app: renders the fields the extension sends (src/protocol/formMessages.ts) with
// @vscode-elements components, each with its label bound to the input and one line of explanation, and posts
// the values when Estimate or Start is pressed. Bundled into dist/form.js; nothing is loaded remotely.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-form-helper/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import type { EstimateView, FormField, FormValues, FromForm, ToForm } from '../src/protocol/formMessages';
import { h } from './elements';
import { errorFocus, renderValues, valuesToSet } from './formFocus';

declare function acquireVsCodeApi(): { postMessage(m: FromForm): void };
const vscode = acquireVsCodeApi();
const post = (m: FromForm): void => vscode.postMessage(m);

type Control = HTMLElement & { value: string };

const app = document.getElementById('form-app') as HTMLElement;
const fieldsBox = h('form', { 'aria-label': 'Fine-tuning settings', novalidate: true });
const status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite' });
const estimateBox = h('section', { class: 'estimate', 'aria-label': 'Estimate', hidden: true });
let fields: FormField[] = [];
const controls = new Map<string, Control>();
const rows = new Map<string, HTMLElement>();
const errorsOf = new Map<string, HTMLElement>();
const warningsOf = new Map<string, HTMLElement>();
/** This form's run is starting or running: Start stays disabled until the extension says it ended. */
let runActive = false;
const choiceHelp = new Map<string, HTMLElement>();

const estimateButton = h('vscode-button', { secondary: true, 'data-action': 'estimate' }, 'Estimate time and memory');
const startButton = h('vscode-button', { 'data-action': 'start' }, 'Start fine-tuning');
const resetButton = h('vscode-button', { secondary: true, 'data-action': 'reset' }, 'Reset to defaults');
// "Search…": the settings above are kept except those a search samples; the budget is the trials' wall time.
// (step 0.1 from min 0.1: whole minutes are valid too; step 1 from 0.1 marked 3 invalid, in red)
const budgetField = h('vscode-textfield', { id: 'search-budget', type: 'number', min: '0.1', step: '0.1', value: '10', 'data-budget': '' }) as Control;
const searchButton = h('vscode-button', { secondary: true, 'data-action': 'search' }, 'Search…');
estimateButton.addEventListener('click', () => post({ type: 'estimate', values: values() }));
startButton.addEventListener('click', () => post({ type: 'start', values: values() }));
searchButton.addEventListener('click', () => post({ type: 'search', values: values(), budgetMinutes: String(budgetField.value) }));
resetButton.addEventListener('click', () => post({ type: 'reset' }));

const actions = h('div', { class: 'actions', role: 'toolbar', 'aria-label': 'Actions' }, estimateButton, startButton, resetButton);
const searchBox = h(
  'section',
  { class: 'search', 'aria-label': 'Hyperparameter search' },
  h('vscode-label', { for: 'search-budget' }, 'Search budget (minutes)'),
  h('div', { class: 'control' }, budgetField, searchButton),
  h(
    'vscode-form-helper',
    {},
    'Search… tries settings of learning rate, what to train, max length, long texts, weight decay, layer-wise decay and warm-up (the others as above) by successive halving, judged on validation only, within this many minutes; then trains the best once more and tests it once (after the budget).',
  ),
);
// An estimate belongs to the settings it was measured with: any later change marks it out of date.
const stale = h('p', { class: 'stale', hidden: true }, 'The settings changed since this estimate: press Estimate again for the new ones.');
fieldsBox.addEventListener('input', markStale);
fieldsBox.addEventListener('change', markStale);
// Warnings at the fields (e.g. a max length above the model's cap) follow what is typed.
let changedTimer: ReturnType<typeof setTimeout> | undefined;
const changed = (): void => {
  if (changedTimer) clearTimeout(changedTimer);
  changedTimer = setTimeout(() => post({ type: 'changed', values: values() }), 150);
};
fieldsBox.addEventListener('input', changed);
fieldsBox.addEventListener('change', changed);
function markStale(): void {
  if (!estimateBox.hidden) {
    stale.hidden = false;
    estimateBox.classList.add('is-stale');
  }
}

app.append(
  h('h1', {}, 'Fine-tune a model'),
  h(
    'p',
    { class: 'intro' },
    'Every setting has a sensible default and a line on what it does. Press Estimate first: it runs a few real training steps on this machine and tells you how long the whole run would take and how much memory it needs, before anything long starts.',
  ),
  fieldsBox,
  actions,
  searchBox,
  status,
  estimateBox,
);

function values(): FormValues {
  return Object.fromEntries([...controls].map(([k, c]) => [k, c.value]));
}

/** The key of the field the person is in (typing, or on a select), if this page has the keyboard. */
function focusedField(): string | undefined {
  if (!document.hasFocus()) return undefined;
  return document.activeElement?.getAttribute('data-field') ?? undefined;
}

/** Shows the fields whose condition holds, and the description of each select's chosen option. */
function refreshVisibility(): void {
  const v = values();
  for (const f of fields) {
    const row = rows.get(f.key)!;
    row.hidden = Boolean(f.showWhen && !f.showWhen.values.includes(v[f.showWhen.key] ?? ''));
    const help = choiceHelp.get(f.key);
    if (help) help.textContent = f.options?.find((o) => o.value === v[f.key])?.description ?? '';
  }
}

function control(f: FormField, id: string, value: string): Control {
  if (f.kind === 'select') {
    const sel = h(
      'vscode-single-select',
      { id, 'data-field': f.key },
      ...(f.options ?? []).map((o) => h('vscode-option', { value: o.value, selected: o.value === value }, o.label)),
    ) as Control;
    sel.addEventListener('change', () => {
      // A preset sets the fields it names; the person can change any of them afterwards.
      const applies = f.options?.find((o) => o.value === sel.value)?.applies;
      if (applies) setValues(applies);
      refreshVisibility();
    });
    return sel;
  }
  const tf = h('vscode-textfield', {
    id,
    'data-field': f.key,
    type: f.kind === 'number' ? 'number' : 'text',
    value,
    min: f.min,
    max: f.max,
    step: f.step,
    placeholder: f.default || undefined,
  }) as Control;
  tf.value = value;
  return tf;
}

let renders = 0;

function render(fs: FormField[], v: FormValues): void {
  // Counted on the root element: reopening the form re-renders it, and a test must not type into the old fields.
  app.setAttribute('data-renders', String(++renders));
  // The new fields replace the old: the one being typed in keeps the keyboard.
  const focused = focusedField();
  fields = fs;
  controls.clear();
  rows.clear();
  errorsOf.clear();
  warningsOf.clear();
  choiceHelp.clear();
  const groups = new Map<string, HTMLElement>();
  for (const f of fs) {
    let group = groups.get(f.group);
    if (!group) {
      group = h('fieldset', { class: 'group' }, h('legend', {}, f.group));
      groups.set(f.group, group);
    }
    const id = `field-${f.key}`;
    const c = control(f, id, v[f.key] ?? f.default);
    controls.set(f.key, c);
    const err = h('div', { class: 'field-error', role: 'alert', 'data-error': f.key });
    errorsOf.set(f.key, err);
    const warn = h('div', { class: 'field-warning', 'data-warning': f.key });
    warningsOf.set(f.key, warn);
    const extra = f.options ? h('div', { class: 'choice-help', 'data-choice-help': f.key }) : undefined;
    if (extra) choiceHelp.set(f.key, extra);
    const browse = f.browse ? h('vscode-button', { secondary: true, 'data-browse': f.key }, 'Browse…') : undefined;
    browse?.addEventListener('click', () => post({ type: 'browse', key: f.key }));
    const def = f.default !== '' && f.kind !== 'select' ? ` Default: ${f.default}.` : '';
    const row = h(
      'div',
      { class: 'field', 'data-row': f.key },
      h('vscode-label', { for: id }, f.label),
      h('div', { class: 'control' }, c, browse),
      h('vscode-form-helper', { 'data-help': f.key }, f.help + def),
      extra,
      err,
      warn,
    );
    rows.set(f.key, row);
    group.append(row);
  }
  fieldsBox.replaceChildren(...groups.values());
  refreshVisibility();
  if (focused) controls.get(focused)?.focus();
}

function setValues(v: FormValues): void {
  for (const [k, c] of controls) if (v[k] !== undefined && c.value !== v[k]) c.value = v[k];
  refreshVisibility();
}

function showErrors(errors: Record<string, string>): void {
  for (const [k, el] of errorsOf) {
    el.textContent = errors[k] ?? '';
    const c = controls.get(k) as (Control & { invalid?: boolean }) | undefined;
    if (c && 'invalid' in c) c.invalid = Boolean(errors[k]);
  }
  // Every setting in error, in form order: the count and the list always agree.
  const keys = fields
    .map((f) => f.key)
    .filter((k) => errors[k])
    .concat(Object.keys(errors).filter((k) => !controls.has(k)));
  const first = keys[0];
  if (first) {
    status.replaceChildren(
      h(
        'div',
        { class: 'error-text', 'data-fix-count': keys.length },
        `Please fix ${keys.length === 1 ? 'one setting' : `${keys.length} settings`}:`,
        h('ul', { class: 'fix-list' }, ...keys.map((k) => h('li', { 'data-fix': k }, errors[k]))),
      ),
    );
    const to = errorFocus(first, focusedField());
    if (to) controls.get(to)?.focus();
  }
}

function showWarnings(warnings: Record<string, string>): void {
  for (const [k, el] of warningsOf) el.textContent = warnings[k] ?? '';
}

function setBusy(busy: boolean): void {
  for (const b of [estimateButton, startButton, searchButton]) {
    if (busy || ((b === startButton || b === searchButton) && runActive)) b.setAttribute('disabled', '');
    else b.removeAttribute('disabled');
  }
}

function showEstimate(e: EstimateView): void {
  estimateBox.hidden = false;
  stale.hidden = true;
  estimateBox.classList.remove('is-stale');
  estimateBox.setAttribute('data-total-seconds', String(e.totalSeconds));
  estimateBox.setAttribute('data-epoch-seconds', String(e.secondsPerEpoch));
  estimateBox.setAttribute('data-peak-mib', String(e.peakRssMiB));
  estimateBox.replaceChildren(
    h('h2', {}, 'Estimate'),
    stale,
    h(
      'div',
      { class: 'headline' },
      h('div', { class: 'big' }, h('span', { class: 'label' }, 'per epoch'), h('strong', { 'data-estimate': 'epoch' }, e.perEpoch)),
      h('div', { class: 'big' }, h('span', { class: 'label' }, 'in all'), h('strong', { 'data-estimate': 'total' }, e.total)),
      h('div', { class: 'big' }, h('span', { class: 'label' }, 'memory'), h('strong', { 'data-estimate': 'memory' }, e.memory)),
    ),
    h(
      'table',
      { class: 'data' },
      h(
        'tbody',
        {},
        ...e.rows.map((r) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, r.label),
            h(
              'td',
              {},
              r.details
                ? h(
                    'details',
                    { class: 'device' },
                    h('summary', {}, `${r.value} · `, h('span', { class: 'why' }, r.details.summary)),
                    h('ul', {}, ...r.details.lines.map((l) => h('li', {}, l))),
                  )
                : r.value,
            ),
          ),
        ),
      ),
    ),
    h('ul', { class: 'notes', hidden: e.notes.length === 0 }, ...e.notes.map((n) => h('li', {}, n))),
  );
}

window.addEventListener('message', (ev: MessageEvent<ToForm>) => {
  const m = ev.data;
  switch (m.type) {
    case 'init':
      // Re-sent when the form is opened again (datasets or cached models may have changed): keep what was typed.
      render(m.fields, renderValues(m.values, controls.size ? values() : undefined));
      break;
    case 'values':
      setValues(valuesToSet(m.values, focusedField()));
      break;
    case 'errors':
      showErrors(m.errors);
      break;
    case 'warnings':
      showWarnings(m.warnings);
      break;
    case 'busy':
      if (m.what === 'start' || m.what === 'search') runActive = true;
      setBusy(true);
      status.replaceChildren(h('vscode-progress-ring', { 'aria-hidden': 'true' }), h('span', { 'data-busy': m.what }, m.message));
      break;
    case 'estimate':
      setBusy(false);
      status.replaceChildren(h('span', { 'data-done': 'estimate' }, `Estimated from real training steps: about ${m.estimate.total} in all.`));
      showEstimate(m.estimate);
      // Bring the buttons and the numbers into view together.
      actions.scrollIntoView({ block: 'start' });
      break;
    case 'started': {
      runActive = true;
      setBusy(false);
      const open = h('vscode-button', { secondary: true, 'data-action': 'open-results' }, 'Open live charts');
      open.addEventListener('click', () => post({ type: 'openResults', runId: m.runId }));
      status.replaceChildren(h('span', { 'data-started': m.runId }, m.message), ' ', open);
      break;
    }
    case 'ended':
      runActive = false;
      setBusy(false);
      {
        const open = h('vscode-button', { secondary: true, 'data-action': 'open-results' }, 'Open results');
        open.addEventListener('click', () => post({ type: 'openResults', runId: m.runId }));
        status.replaceChildren(h('span', { 'data-ended': m.runId, 'data-status': m.status }, m.message), ' ', open);
      }
      break;
    case 'searchEnded': {
      runActive = false;
      setBusy(false);
      const open = h('vscode-button', { secondary: true, 'data-action': 'open-search' }, 'Open trials');
      open.addEventListener('click', () => post({ type: 'openSearch', name: m.name }));
      status.replaceChildren(h('span', { 'data-search-ended': m.name, 'data-status': m.status }, m.message), ' ', open);
      break;
    }
    case 'idle':
      runActive = false;
      setBusy(false);
      break;
    case 'failed':
      setBusy(false);
      status.replaceChildren(
        h(
          'span',
          { class: 'error-text', 'data-failed': m.what },
          `${m.what === 'estimate' ? 'Could not estimate' : m.what === 'search' ? 'Could not search' : 'Could not start'}: ${m.message}`,
        ),
      );
      break;
  }
});

post({ type: 'ready' });
