// The results panel: a webview (dist/webview.js, @vscode-elements + uPlot, no remote loads) showing one run's live
// charts, test metrics and misclassified examples, or a comparison of several runs. Strict CSP with a nonce.
// It follows the run folder on disk: metrics.jsonl is tailed (only new lines are parsed) and re-plotted.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';
import type { MetricRecord } from '../protocol';
import type { FromWebview, ToWebview, ReviewQuery } from '../protocol/webviewMessages';
import { allCharts } from './viewmodel/charts';
import { comparisonTable } from './viewmodel/comparison';
import { metricRows, runHeader } from './viewmodel/format';
import { DEFAULT_REVIEW_QUERY, reviewPage } from './viewmodel/review';
import { JsonlTail, readManifest, readRun, RUN_FILES } from './viewmodel/runFiles';
import { loadTexts } from './viewmodel/texts';
import { existsSync } from 'node:fs';

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, mode: 'run' | 'compare', title: string): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'));
  const css = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'results.css'));
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
  ].join('; ');
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css}" nonce="${nonce}">
<title>${esc(title)}</title>
</head>
<body>
<main id="app" data-mode="${mode}" aria-live="polite"></main>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

export class ResultsPanel implements vscode.Disposable {
  private static readonly open = new Map<string, ResultsPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private metrics: MetricRecord[] = [];
  private tail: JsonlTail<MetricRecord> | undefined;
  private review: ReviewQuery = DEFAULT_REVIEW_QUERY;
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
      existing.panel.reveal();
      return existing;
    }
    const m = readManifest(dir);
    const title = `Results: ${m ? m.id : basename(dir)}`;
    const panel = ResultsPanel.create(extensionUri, title);
    const p = new ResultsPanel(extensionUri, panel, dir, [dir], []);
    p.tail = new JsonlTail<MetricRecord>(join(dir, RUN_FILES.metrics));
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'run', title);
    return p;
  }

  static comparison(extensionUri: vscode.Uri, dirs: string[], notes: string[] = []): ResultsPanel {
    ResultsPanel.open.get('compare')?.panel.dispose();
    const panel = ResultsPanel.create(extensionUri, `Compare ${dirs.length} runs`);
    const p = new ResultsPanel(extensionUri, panel, 'compare', dirs, notes);
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
      const runs = this.runDirs.flatMap((dir) => {
        const manifest = readManifest(dir);
        return manifest ? [{ dir, manifest }] : [];
      });
      const table = comparisonTable(runs);
      this.post({ type: 'comparison', table: { ...table, notes: [...table.notes, ...this.notes] } });
      return;
    }
    const dir = this.runDirs[0];
    const manifest = readManifest(dir);
    if (!manifest) {
      this.post({ type: 'notice', level: 'error', message: `${dir} is no longer a run folder (run.json is missing).` });
      return;
    }
    this.post({ type: 'run', run: runHeader(dir, manifest), metrics: metricRows(manifest) });
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
    this.post({ type: 'charts', charts: allCharts(this.metrics) });
    this.sendReview();
  }

  private sendReview(): void {
    const run = readRun(this.runDirs[0]);
    if (!run) return;
    const labels = run.manifest.test?.labels ?? run.manifest.dataset?.labels ?? [];
    this.post({ type: 'review', page: reviewPage(run.predictions, labels, this.review, this.textLookup(run.manifest.dataset?.id)) });
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
        this.ready = true;
        this.update();
        break;
      case 'review':
        this.review = m.query;
        this.sendReview();
        break;
      case 'openRun':
        void vscode.commands.executeCommand('guidedFinetune.openResults', { type: 'run', dir: m.dir });
        break;
      case 'command': {
        const ids: Record<typeof m.command, string> = {
          compare: 'guidedFinetune.compareRuns', evaluate: 'guidedFinetune.evaluateRun', export: 'guidedFinetune.exportModel',
          tryText: 'guidedFinetune.tryModel', reflect: 'guidedFinetune.writeReflection',
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
