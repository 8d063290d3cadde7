// The results panel: a webview (dist/webview.js, @vscode-elements + uPlot, no remote loads) showing one run's live
// charts, test metrics and misclassified examples, or a comparison of several runs. Strict CSP with a nonce.
// It follows the run folder on disk: metrics.jsonl is tailed (only new lines are parsed) and re-plotted; the review
// list is re-sent only when predictions.jsonl or saliency.jsonl change, never per metric line.
import * as vscode from 'vscode';
import { webviewPage } from './webviewPage';
import { basename, dirname, join } from 'node:path';
import { runName, type Comparison, type MetricRecord, type Progress, type RunManifest } from '../protocol';
import type { ConfusionView, FromWebview, ReliabilityView, ReviewQuery, SignificanceRow, ToWebview } from '../protocol/webviewMessages';
import { allCharts } from './viewmodel/charts';
import { comparisonTable } from './viewmodel/comparison';
import {
  confusionFromPredictions, confusionView, defaultReference, macroF1CI, overlaidCurves, reliabilityFromPredictions, reliabilityView, significanceRow,
} from './viewmodel/compareView';
import { liveProgress, metricRows, pct, runHeader } from './viewmodel/format';
import { readNotes, saveNote } from './viewmodel/notes';
import { DEFAULT_REVIEW_QUERY, reviewPage } from './viewmodel/review';
import { JsonlTail, listRuns, readManifest, readPredictions, RUN_FILES } from './viewmodel/runFiles';
import { readSaliency, SALIENCY_FILE } from './viewmodel/saliency';
import { loadTexts } from './viewmodel/texts';
import { existsSync, statSync } from 'node:fs';
import { stepDone } from './walkthrough';

/** The host's paired comparison of two runs' test predictions (runs/compare); A is the reference. */
export type CompareFn = (runDirA: string, runDirB: string) => Promise<Comparison>;

/** Size and mtime of a file ('' when absent): whether it changed since the last look. */
function signature(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return '';
  }
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, mode: 'run' | 'compare', title: string): string {
  return webviewPage(webview, extensionUri, {
    script: 'webview.js', styles: ['base.css', 'results.css', 'panel.css'], title, images: true, root: { id: 'app', data: { mode }, live: true },
  });
}

export class ResultsPanel implements vscode.Disposable {
  private static readonly open = new Map<string, ResultsPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private metrics: MetricRecord[] = [];
  private tail: JsonlTail<MetricRecord> | undefined;
  private review: ReviewQuery = DEFAULT_REVIEW_QUERY;
  /** What the review list was last built from: re-sent only when one of these files changes. */
  private reviewSource = '';
  private lastRunMessage = '';
  private lastProgress: Progress | undefined;
  // Comparison state: metrics per run (tailed), the reference run, the host's paired tests against it.
  private readonly tails = new Map<string, { tail: JsonlTail<MetricRecord>; metrics: MetricRecord[] }>();
  private reference: string | undefined;
  private readonly pairs = new Map<string, Comparison | { error: string }>();
  private readonly inflight = new Set<string>();
  /** Bootstrap CI of each compared run's macro F1, by the predictions file it was computed from. */
  private readonly f1CI = new Map<string, { source: string; ci: [number, number] }>();
  private ready = false;
  private pending: ReturnType<typeof setTimeout> | undefined;
  private livePoll: ReturnType<typeof setInterval> | undefined;
  /** Points the webview last reported drawing, per chart id (read by the integration tests). */
  rendered: Record<string, number> = {};
  private readonly renderedEmitter = new vscode.EventEmitter<Record<string, number>>();
  readonly onDidRender = this.renderedEmitter.event;

  private constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly panel: vscode.WebviewPanel,
    readonly key: string,
    private readonly runDirs: string[],
    private readonly notes: string[],
    private readonly compare?: CompareFn,
  ) {
    ResultsPanel.open.set(key, this);
    const webview = panel.webview;
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      webview.onDidReceiveMessage((m: FromWebview) => this.receive(m)),
      this.renderedEmitter,
    );
  }

  static forRun(extensionUri: vscode.Uri, dir: string): ResultsPanel {
    const existing = ResultsPanel.open.get(dir);
    if (existing) {
      stepDone('resultsOpened');
      existing.panel.reveal();
      return existing;
    }
    const m = readManifest(dir);
    const title = `Results: ${m ? runName(m) : basename(dir)}`;
    const panel = ResultsPanel.create(extensionUri, title);
    const p = new ResultsPanel(extensionUri, panel, dir, [dir], []);
    stepDone('resultsOpened');
    p.tail = new JsonlTail<MetricRecord>(join(dir, RUN_FILES.metrics));
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'run', title);
    return p;
  }

  /** compare: the host's paired test; without it the panel shows the table, curves and diagrams only. */
  static comparison(extensionUri: vscode.Uri, dirs: string[], notes: string[] = [], compare?: CompareFn): ResultsPanel {
    ResultsPanel.open.get('compare')?.panel.dispose();
    const panel = ResultsPanel.create(extensionUri, `Compare ${dirs.length} runs`);
    const p = new ResultsPanel(extensionUri, panel, 'compare', dirs, notes, compare);
    stepDone('runsCompared');
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'compare', `Compare ${dirs.length} runs`);
    return p;
  }

  private static create(extensionUri: vscode.Uri, title: string): vscode.WebviewPanel {
    return vscode.window.createWebviewPanel('guidedFinetune.results', title, vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    });
  }

  static get(key: string): ResultsPanel | undefined {
    return ResultsPanel.open.get(key);
  }

  /** The host's progress of a run: the panel showing it says the step, the time left, and offers Cancel. */
  static progress(dir: string, p: Progress): void {
    const panel = ResultsPanel.open.get(dir);
    if (!panel) return;
    panel.lastProgress = p;
    if (panel.ready) panel.post({ type: 'progress', progress: liveProgress(p) });
  }

  /** A file in some run folder changed: update the panels that show it (coalesced). */
  static fileChanged(path: string): void {
    for (const p of ResultsPanel.open.values()) {
      if (p.runDirs.some((d) => path.startsWith(d))) p.schedule();
    }
  }

  private post(m: ToWebview): void {
    void this.panel.webview.postMessage(m);
  }

  private schedule(): void {
    if (this.pending || !this.ready) return;
    // At most four updates a second, however fast the host appends.
    this.pending = setTimeout(() => {
      this.pending = undefined;
      try {
        this.update();
      } catch (e) {
        this.post({ type: 'notice', level: 'error', message: `Could not read ${this.runDirs.join(', ')}: ${e instanceof Error ? e.message : String(e)}` });
      }
    }, 250);
  }

  private update(): void {
    if (this.key === 'compare') {
      this.updateComparison();
      return;
    }
    const dir = this.runDirs[0];
    const manifest = readManifest(dir);
    if (!manifest) {
      this.post({ type: 'notice', level: 'error', message: `${dir} is no longer a run folder (run.json is missing).` });
      return;
    }
    const t = manifest.test;
    const confusion = t?.confusion?.length ? confusionView(manifest.id, t.labels, t.confusion) : undefined;
    const runMessage: ToWebview = { type: 'run', run: runHeader(dir, manifest), metrics: metricRows(manifest), ...(confusion ? { confusion } : {}) };
    // Renamed ("Rename Run"): the tab follows.
    const title = `Results: ${runName(manifest)}`;
    if (this.panel.title !== title) this.panel.title = title;
    // While it runs: the last progress the host sent (or none yet, from a run this window did not start); after: none.
    this.post({ type: 'progress', progress: manifest.status === 'running' ? (this.lastProgress ? liveProgress(this.lastProgress) : { text: 'running', running: true }) : undefined });
    const json = JSON.stringify(runMessage);
    if (json !== this.lastRunMessage) {
      this.lastRunMessage = json;
      this.post(runMessage);
    }
    // File events can arrive late, coalesced or not at all (remote and network folders): while the run is in
    // progress the panel also re-reads it every 1.5 s, until it has shown the final state once.
    if (manifest.status === 'running' && !this.livePoll) {
      this.livePoll = setInterval(() => this.schedule(), 1500);
    } else if (manifest.status !== 'running' && this.livePoll) {
      clearInterval(this.livePoll);
      this.livePoll = undefined;
    }
    if (this.tail) {
      const { records, reset } = this.tail.read();
      if (reset) this.metrics = [];
      this.metrics.push(...records);
    }
    this.post({ type: 'charts', charts: allCharts(this.metrics, manifest.kind) });
    this.sendReview(false, manifest);
  }

  private updateComparison(): void {
    const runs = this.runDirs.flatMap((dir) => {
      const manifest = readManifest(dir);
      return manifest ? [{ dir, manifest }] : [];
    });
    if (runs.length === 0) return;
    if (!this.reference || !runs.some((r) => r.dir === this.reference)) this.reference = defaultReference(runs);
    const ref = runs.find((r) => r.dir === this.reference) ?? runs[0];
    const table = comparisonTable(runs, { paired: !!this.compare });
    for (const row of table.rows) if (row.dir === ref.dir) row.reference = true;
    // Macro F1 with its 95% CI too (run.json has a CI for the accuracy only).
    const f1Col = table.columns.indexOf('Macro F1');
    if (f1Col >= 0) {
      table.columns = table.columns.map((c, i) => (i === f1Col ? 'Macro F1 (95% CI)' : c));
      for (const row of table.rows) {
        const t = runs.find((r) => r.dir === row.dir)?.manifest.test;
        if (!t) continue;
        const ci = this.macroF1CI(row.dir, t.labels.length);
        if (ci) row.cells[f1Col] = `${pct(t.macroF1)} (${pct(ci[0])}–${pct(ci[1])})`;
      }
    }
    this.startPairs(ref.dir, runs);
    const significance: SignificanceRow[] = [];
    let pending = false;
    for (const r of runs) {
      if (r.dir === ref.dir) continue;
      const result = this.pairs.get(`${ref.dir}\n${r.dir}`);
      if (result) significance.push(significanceRow({ id: r.manifest.id, dir: r.dir }, ref.manifest.id, result));
      else if (this.compare) pending = true;
    }
    const confusions: ConfusionView[] = [];
    const reliability: ReliabilityView[] = [];
    for (const { dir, manifest } of runs) {
      const labels = manifest.test?.labels ?? manifest.dataset?.labels ?? [];
      const t = manifest.test;
      // run.json has both for every run the host evaluated; older folders have only predictions.jsonl.
      const preds = t?.confusion?.length && t.reliability?.length ? undefined : readPredictions(dir);
      if (!t && !preds?.length) continue;
      confusions.push(confusionView(manifest.id, labels, t?.confusion?.length ? t.confusion : confusionFromPredictions(preds!, labels.length)));
      reliability.push(t?.reliability?.length ? reliabilityView(manifest.id, t.reliability, t.ece) : reliabilityView(manifest.id, reliabilityFromPredictions(preds!)));
    }
    this.post({
      type: 'comparison',
      view: { table: { ...table, notes: [...table.notes, ...this.notes] }, reference: { dir: ref.dir, id: ref.manifest.id }, significance, pending, confusions, reliability },
    });
    for (const { dir } of runs) {
      let t = this.tails.get(dir);
      if (!t) this.tails.set(dir, (t = { tail: new JsonlTail<MetricRecord>(join(dir, RUN_FILES.metrics)), metrics: [] }));
      const { records, reset } = t.tail.read();
      if (reset) t.metrics = [];
      t.metrics.push(...records);
    }
    this.post({ type: 'charts', charts: overlaidCurves(runs.map((r) => ({ id: r.manifest.id, kind: r.manifest.kind, metrics: this.tails.get(r.dir)!.metrics }))) });
    const live = runs.some((r) => r.manifest.status === 'running');
    if (live && !this.livePoll) this.livePoll = setInterval(() => this.schedule(), 1500);
    else if (!live && this.livePoll) {
      clearInterval(this.livePoll);
      this.livePoll = undefined;
    }
  }

  private macroF1CI(dir: string, k: number): [number, number] | undefined {
    const source = signature(join(dir, RUN_FILES.predictions));
    if (!source) return undefined;
    const hit = this.f1CI.get(dir);
    if (hit?.source === source) return Number.isFinite(hit.ci[0]) ? hit.ci : undefined;
    const ci = macroF1CI(readPredictions(dir), k);
    this.f1CI.set(dir, { source, ci });
    return Number.isFinite(ci[0]) ? ci : undefined;
  }

  /** Asks the host for the paired test of every run against the reference, one at a time; each answer re-renders. */
  private startPairs(refDir: string, runs: { dir: string; manifest: RunManifest }[]): void {
    const compare = this.compare;
    if (!compare) return;
    const todo = runs.filter((r) => r.dir !== refDir && r.manifest.test && !this.pairs.has(`${refDir}\n${r.dir}`) && !this.inflight.has(`${refDir}\n${r.dir}`));
    if (todo.length === 0) return;
    for (const r of todo) this.inflight.add(`${refDir}\n${r.dir}`);
    void (async () => {
      for (const r of todo) {
        const key = `${refDir}\n${r.dir}`;
        try {
          this.pairs.set(key, await compare(refDir, r.dir));
        } catch (e) {
          this.pairs.set(key, { error: e instanceof Error ? e.message : String(e) });
        }
        this.inflight.delete(key);
        if (!this.disposed) this.schedule();
      }
    })();
  }

  /** Sends the review page when asked (force) or when the files it is built from changed. */
  private sendReview(force: boolean, manifest = readManifest(this.runDirs[0])): void {
    const dir = this.runDirs[0];
    if (!manifest) return;
    const baselineDir = this.review.baseline || '';
    const source = [RUN_FILES.predictions, SALIENCY_FILE].map((f) => signature(join(dir, f))).join('|') + `|${baselineDir && signature(join(baselineDir, RUN_FILES.predictions))}`;
    if (!force && source === this.reviewSource) return;
    this.reviewSource = source;
    const labels = manifest.test?.labels ?? manifest.dataset?.labels ?? [];
    const preds = readPredictions(dir);
    const baselines = listRuns(dirname(dir))
      .filter((r) => r.dir !== dir && r.manifest.status === 'completed' && r.manifest.test)
      .map((r) => ({ dir: r.dir, id: r.manifest.id }));
    const warnings: string[] = [];
    let baseline: { dir: string; id: string; predictions: ReturnType<typeof readPredictions> } | undefined;
    if (baselineDir) {
      const m = readManifest(baselineDir);
      if (m) baseline = { dir: baselineDir, id: m.id, predictions: readPredictions(baselineDir) };
      else warnings.push(`${baselineDir} is no longer a run folder: choose another baseline.`);
      if (baselineDir && !baselines.some((b) => b.dir === baselineDir) && m) baselines.push({ dir: baselineDir, id: m.id });
    }
    const notes = readNotes(dir);
    if (notes.error) warnings.push(notes.error);
    let saliency: Map<string, [string, number][]> | undefined;
    try {
      saliency = readSaliency(dir);
    } catch (e) {
      warnings.push(e instanceof Error ? e.message : String(e));
    }
    this.post({
      type: 'review',
      page: reviewPage(preds, labels, this.review, this.textLookup(manifest.dataset?.id), { baseline, baselines, saliency, notes: notes.notes, warnings }),
    });
  }

  /** The built-in movie reviews ship in data/: their texts can be shown next to the mistakes. */
  private textLookup(datasetId: string | undefined): ((id: string) => string | undefined) | undefined {
    if (datasetId !== 'movie-reviews' && datasetId !== 'builtin:movie-reviews') return undefined;
    const file = join(this.extensionUri.fsPath, 'data', 'movie-reviews.jsonl.gz');
    if (!existsSync(file)) return undefined;
    try {
      const texts = loadTexts(file);
      return (id) => texts.get(id);
    } catch {
      return undefined;
    }
  }

  private receive(m: FromWebview): void {
    switch (m.type) {
      case 'ready':
        // A reloaded webview starts empty: everything is sent again.
        this.ready = true;
        this.lastRunMessage = '';
        this.reviewSource = '';
        this.update();
        break;
      case 'review':
        this.review = m.query;
        this.sendReview(true);
        break;
      case 'reference':
        this.reference = m.dir;
        this.update();
        break;
      case 'note':
        try {
          const savedAt = saveNote(this.runDirs[0], m.id, m.text);
          this.post({ type: 'noteSaved', id: m.id, savedAt });
        } catch (e) {
          this.post({ type: 'notice', level: 'error', message: `Note not saved: ${e instanceof Error ? e.message : String(e)}` });
        }
        break;
      case 'openRun':
        void vscode.commands.executeCommand('guidedFinetune.openResults', { type: 'run', dir: m.dir });
        break;
      case 'command': {
        const ids: Record<typeof m.command, string> = {
          compare: 'guidedFinetune.compareRuns', evaluate: 'guidedFinetune.evaluateRun', export: 'guidedFinetune.exportModel',
          tryText: 'guidedFinetune.tryModel', reflect: 'guidedFinetune.writeReflection', cancel: 'guidedFinetune.cancelRun',
        };
        void vscode.commands.executeCommand(ids[m.command], this.key === 'compare' ? undefined : { type: 'run', dir: this.runDirs[0] });
        break;
      }
      case 'rendered':
        this.rendered = m.points;
        this.renderedEmitter.fire(m.points);
        break;
    }
  }

  private disposed = false;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (ResultsPanel.open.get(this.key) === this) ResultsPanel.open.delete(this.key);
    if (this.pending) clearTimeout(this.pending);
    if (this.livePoll) clearInterval(this.livePoll);
    this.panel.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
