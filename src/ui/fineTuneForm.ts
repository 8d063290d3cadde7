// The "Fine-tune" form: a webview (dist/form.js, @vscode-elements, no remote loads, nonce CSP like the results
// panel) with every setting, its default and one line of explanation. "Estimate" asks the host for the pre-flight
// probe (run/probe: a few real training steps on this device) and shows time per epoch, total time and memory;
// "Start" hands the same settings to the existing train path (the caller's runJob: notification, Cancel, live
// charts). "Search…" hands the form's values, less the searched settings, to a hyperparameter search within the
// budget typed beside it (run/search: trials under a search folder in the Runs view; the trials view when it ends).
// Fields, validation and formatting live in ./viewmodel/fineTuneForm.ts.
import * as vscode from 'vscode';
import { webviewPage } from './webviewPage';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  Requests,
  type FormField,
  type FormValues,
  type FromForm,
  type RunResult,
  type SearchParams,
  type SearchResult,
  type ToForm,
  type TrainParams,
} from '../protocol';
import type { DatasetEntry } from './datasetsTree';
import { errorMessage, type HostService } from './hostService';
import { settings } from './settings';
import {
  defaultValues,
  estimateView,
  formFields,
  formWarnings,
  hubIdsFromCache,
  parseForm,
  probeParams,
  trainParams,
  type ParsedForm,
} from './viewmodel/fineTuneForm';
import { runName } from '../protocol';
import { readManifest } from './viewmodel/runFiles';
import { newSearchName, searchParams } from './viewmodel/search';
import { pct } from '../shared/format';

export interface FineTuneFormDeps {
  extensionUri: vscode.Uri;
  host: HostService;
  datasets: () => DatasetEntry[];
  runsRoot: () => string;
  /** Starts the run through the extension's train path; resolves when the run ends. */
  start: (params: TrainParams, onStarted: (runId: string) => void) => Promise<RunResult | undefined>;
  /** Names of the runs the host is running now (a new run would wait behind them). */
  activeRuns: () => string[];
  /** Runs a search through the host (a cancellable notification); resolves when it ends. */
  search: (params: SearchParams) => Promise<SearchResult>;
  /** Opens the trials view of the search folder `dir`. */
  openSearch: (dir: string) => void;
}

function formHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  return webviewPage(webview, extensionUri, { script: 'form.js', styles: ['base.css', 'form.css'], title: 'Fine-tune a model', root: { id: 'form-app' } });
}

/** Hub models already downloaded: <cache>/<org>--<name>/ (src/host/models/hub.ts). */
function cachedModels(): string[] {
  const dir = settings().modelCacheFolder || join(homedir(), '.cache', 'guided-finetune', 'models');
  try {
    return existsSync(dir) ? hubIdsFromCache(readdirSync(dir)) : [];
  } catch {
    return [];
  }
}

export class FineTuneForm implements vscode.Disposable {
  private static current: FineTuneForm | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private fields: FormField[] = [];
  private values: FormValues = {};
  private busy = false;
  /** This form's run while it is starting or running: Start is refused (and disabled in the page) until it ends. */
  private run: { runId?: string } | undefined;

  static show(deps: FineTuneFormDeps): FineTuneForm {
    if (FineTuneForm.current) {
      FineTuneForm.current.panel.reveal();
      FineTuneForm.current.refreshFields();
      return FineTuneForm.current;
    }
    const panel = vscode.window.createWebviewPanel('guidedFinetune.fineTuneForm', 'Fine-tune a model', vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(deps.extensionUri, 'dist'), vscode.Uri.joinPath(deps.extensionUri, 'media')],
    });
    return (FineTuneForm.current = new FineTuneForm(panel, deps));
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly deps: FineTuneFormDeps,
  ) {
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: FromForm) => void this.receive(m)),
    );
    this.refreshFields(false);
    panel.webview.html = formHtml(panel.webview, deps.extensionUri);
  }

  private post(m: ToForm): void {
    void this.panel.webview.postMessage(m);
  }

  /** Rebuilds the fields (datasets, cached models and settings may have changed), keeping what was typed. */
  private refreshFields(send = true): void {
    const s = settings();
    this.fields = formFields({
      datasets: this.deps.datasets().map((e) => ({
        value: e.source,
        label: e.name,
        description: e.summary ? `${e.summary.sizes.train} training, ${e.summary.sizes.validation} validation, ${e.summary.sizes.test} test texts` : undefined,
      })),
      cachedModels: cachedModels(),
      defaultModel: s.defaultModel,
      device: s.device,
      threads: s.threads,
    });
    this.values = { ...defaultValues(this.fields), ...this.values };
    if (send) this.post({ type: 'init', fields: this.fields, values: this.values });
  }

  private parsed(values: FormValues): ParsedForm | undefined {
    this.values = { ...this.values, ...values };
    const r = parseForm(this.fields, this.values);
    this.post({ type: 'errors', errors: r.ok ? {} : r.errors });
    this.post({ type: 'warnings', warnings: formWarnings(this.values) });
    return r.ok ? r.value : undefined;
  }

  private splitOf(source: string): DatasetEntry['split'] {
    return this.deps.datasets().find((e) => e.source === source)?.split;
  }

  private async receive(m: FromForm): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.post({ type: 'init', fields: this.fields, values: this.values });
        this.post({ type: 'warnings', warnings: formWarnings(this.values) });
        return;
      case 'changed':
        this.values = { ...this.values, ...m.values };
        this.post({ type: 'warnings', warnings: formWarnings(this.values) });
        return;
      case 'reset':
        this.values = defaultValues(this.fields);
        this.post({ type: 'values', values: this.values });
        this.post({ type: 'errors', errors: {} });
        return;
      case 'browse': {
        const uri = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use this model folder' });
        if (!uri?.[0]) return;
        this.values = { ...this.values, [m.key]: uri[0].fsPath };
        this.post({ type: 'values', values: this.values });
        return;
      }
      case 'openResults':
        void vscode.commands.executeCommand('guidedFinetune.openResults', { type: 'run', dir: join(this.deps.runsRoot(), m.runId) });
        return;
      case 'estimate':
        return this.estimate(m.values);
      case 'start':
        return this.start(m.values);
      case 'search':
        return this.search(m.values, m.budgetMinutes);
      case 'openSearch':
        this.deps.openSearch(join(this.deps.runsRoot(), m.name));
        return;
    }
  }

  private async estimate(values: FormValues): Promise<void> {
    const p = this.parsed(values);
    if (!p || this.busy) return;
    this.busy = true;
    this.post({
      type: 'busy',
      what: 'estimate',
      message: `Measuring a few real training steps of ${p.model} on this machine (loading and preparing the data first; a run in progress finishes first, so the two do not slow each other down)…`,
    });
    try {
      const r = await this.deps.host.request(Requests.probe, probeParams(p, this.splitOf(p.data)), 'estimate training time');
      this.post({ type: 'estimate', estimate: estimateView(r) });
    } catch (e) {
      this.post({ type: 'failed', what: 'estimate', message: errorMessage(e) });
    } finally {
      this.busy = false;
    }
  }

  private async start(values: FormValues): Promise<void> {
    const p = this.parsed(values);
    if (!p || this.busy) return;
    if (this.run) {
      // The page disables Start meanwhile; a click that raced it is answered, never queued as a duplicate.
      this.post({ type: 'failed', what: 'start', message: `this form's run ${this.run.runId ?? ''} has not ended yet: cancel it or wait for it to end.` });
      return;
    }
    // Another run in this host: the new one would wait for it. Say so and let the person choose.
    const ahead = this.deps.activeRuns();
    if (ahead.length) {
      const answer = await vscode.window.showWarningMessage(
        `Queued behind ${ahead.map((n) => `"${n}"`).join(', ')}: the training host runs one job at a time, so this fine-tuning would start when ${ahead.length === 1 ? 'it ends' : 'they end'}. Start anyway?`,
        { modal: true },
        'Start Anyway',
      );
      if (answer !== 'Start Anyway') {
        this.post({ type: 'failed', what: 'start', message: `not started: ${ahead.join(', ')} ${ahead.length === 1 ? 'is' : 'are'} still running.` });
        return;
      }
    }
    this.run = {};
    this.post({
      type: 'busy',
      what: 'start',
      message: ahead.length
        ? `Queued behind ${ahead.join(', ')}: fine-tuning of ${p.model} starts when ${ahead.length === 1 ? 'it ends' : 'they end'}…`
        : `Starting fine-tuning of ${p.model}…`,
    });
    try {
      const r = await this.deps.start(trainParams(p, this.deps.runsRoot(), this.splitOf(p.data)), (runId) => {
        this.run = { runId };
        const m = readManifest(join(this.deps.runsRoot(), runId));
        const name = m ? `"${runName(m)}" (${runId})` : runId;
        this.post({
          type: 'started',
          runId,
          message: `Run ${name} started: follow it in the Runs view or open its live charts. Start is available again when it ends.`,
        });
      });
      if (r && r.status === 'failed') this.post({ type: 'failed', what: 'start', message: r.error ?? `run ${r.runId} failed` });
      else if (r) {
        const m = readManifest(r.runDir);
        this.post({
          type: 'ended',
          runId: r.runId,
          status: r.status,
          message: `Run ${m ? `"${runName(m)}"` : r.runId} ${r.status}${r.test ? ` (test accuracy ${pct(r.test.accuracy)})` : ''}. Start is available again.`,
        });
      }
    } catch (e) {
      this.post({ type: 'failed', what: 'start', message: errorMessage(e) });
    } finally {
      this.run = undefined;
      this.post({ type: 'idle' });
    }
  }

  private async search(values: FormValues, budget: string): Promise<void> {
    const p = this.parsed(values);
    if (!p || this.busy) return;
    const minutes = Number(budget.trim());
    if (budget.trim() === '' || !(minutes >= 0.1 && minutes <= 100000)) {
      this.post({ type: 'failed', what: 'search', message: `the search budget must be a number of minutes from 0.1 to 100000 (got '${budget}')` });
      return;
    }
    if (this.run) {
      this.post({ type: 'failed', what: 'search', message: `this form's run ${this.run.runId ?? ''} has not ended yet: cancel it or wait for it to end.` });
      return;
    }
    const name = newSearchName();
    this.run = { runId: name };
    this.post({
      type: 'busy',
      what: 'search',
      message: `Searching for ${minutes} min with ${p.model}: its trials appear under "Search · ${p.model}" in the Runs view (folder ${name}); then the best settings are trained once more and tested.`,
    });
    try {
      const r = await this.deps.search(searchParams(p, this.deps.runsRoot(), minutes, name, this.splitOf(p.data)));
      const rec = r.record;
      const t = rec.final?.test;
      // trials the budget stopped before they started are in the plan, not among those compared
      const done = rec.trials.filter((t) => t.rungs.some((x) => x.status === 'completed')).length;
      const best = rec.best ? ` Best of ${done} trial${done === 1 ? '' : 's'}: ${rec.best.runId} (validation ${rec.metric} ${rec.best.value.toFixed(4)}).` : '';
      const message =
        r.status === 'completed'
          ? `Search ${name} completed.${best}${t ? ` The final run's test accuracy: ${pct(t.accuracy)} (95% CI ${pct(t.accuracyCI[0])}–${pct(t.accuracyCI[1])}).` : ''}`
          : `Search ${name} ${r.status}${r.error ? `: ${r.error}` : ''}.${r.status === 'cancelled' ? ' Finished trials are kept.' : ''}`;
      this.post({ type: 'searchEnded', name, status: r.status, message });
    } catch (e) {
      this.post({ type: 'failed', what: 'search', message: errorMessage(e) });
    } finally {
      this.run = undefined;
      this.post({ type: 'idle' });
    }
  }

  private disposed = false;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (FineTuneForm.current === this) FineTuneForm.current = undefined;
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}
