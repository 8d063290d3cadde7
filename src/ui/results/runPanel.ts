// The results panel of one run: live charts, test metrics and misclassified examples (with notes, saliency and a
// baseline's answers side by side). It follows the run folder on disk: metrics.jsonl is tailed (only new lines are
// parsed) and re-plotted; the review list is re-sent only when predictions.jsonl or saliency.jsonl change, never
// per metric line.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { runName, type MetricRecord, type Progress, type RunManifest } from '../../protocol';
import type { FromWebview, ReviewQuery, ToWebview } from '../../protocol/webviewMessages';
import { allCharts } from '../viewmodel/charts';
import { confusionView } from '../viewmodel/compareView';
import { liveProgress, metricRows, runHeader } from '../viewmodel/format';
import { readNotes, saveNote } from '../viewmodel/notes';
import { DEFAULT_REVIEW_QUERY, reviewModel, type ReviewModel } from '../viewmodel/review';
import { JsonlTail, listRuns, readManifest, readPredictions, RUN_FILES } from '../viewmodel/runFiles';
import { readSaliency, SALIENCY_FILE } from '../viewmodel/saliency';
import { loadTexts } from '../viewmodel/texts';
import { stepDone } from '../walkthrough';
import { ResultsPanel, signature, webviewHtml } from './panel';

export class RunPanel extends ResultsPanel {
  private metrics: MetricRecord[] = [];
  private readonly tail: JsonlTail<MetricRecord>;
  private review: ReviewQuery = DEFAULT_REVIEW_QUERY;
  /** What the review list was last built from: re-sent only when one of these files changes. */
  private reviewSource = '';
  /** The list last sent: the webview asks it for the text and saliency of the row it opens. */
  private reviewed: ReviewModel | undefined;
  private lastRunMessage = '';
  private lastProgress: Progress | undefined;

  private constructor(
    extensionUri: vscode.Uri,
    panel: vscode.WebviewPanel,
    private readonly dir: string,
  ) {
    super(extensionUri, panel, dir, [dir]);
    this.tail = new JsonlTail<MetricRecord>(join(dir, RUN_FILES.metrics));
  }

  /** Opens the panel of the run in `dir`, or shows the one already open. */
  static show(extensionUri: vscode.Uri, dir: string): ResultsPanel {
    const existing = ResultsPanel.get(dir);
    if (existing) {
      stepDone('resultsOpened');
      existing.reveal();
      return existing;
    }
    const m = readManifest(dir);
    const title = `Results: ${m ? runName(m) : basename(dir)}`;
    const panel = ResultsPanel.create(extensionUri, title);
    const p = new RunPanel(extensionUri, panel, dir);
    stepDone('resultsOpened');
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'run', title);
    return p;
  }

  protected override commandArg(): { type: 'run'; dir: string } {
    return { type: 'run', dir: this.dir };
  }

  protected override showProgress(p: Progress): void {
    this.lastProgress = p;
    if (this.ready) this.post({ type: 'progress', progress: liveProgress(p) });
  }

  protected override resetSent(): void {
    this.lastRunMessage = '';
    this.reviewSource = '';
  }

  protected override update(): void {
    const dir = this.dir;
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
    this.post({
      type: 'progress',
      progress: manifest.status === 'running' ? (this.lastProgress ? liveProgress(this.lastProgress) : { text: 'running', running: true }) : undefined,
    });
    const json = JSON.stringify(runMessage);
    if (json !== this.lastRunMessage) {
      this.lastRunMessage = json;
      this.post(runMessage);
    }
    this.pollWhile(manifest.status === 'running');
    const { records, reset } = this.tail.read();
    if (reset) this.metrics = [];
    this.metrics.push(...records);
    this.post({ type: 'charts', charts: allCharts(this.metrics, manifest.kind) });
    this.sendReview(false, manifest);
  }

  /** Sends the review page when asked (force) or when the files it is built from changed. */
  private sendReview(force: boolean, manifest: RunManifest | undefined = readManifest(this.dir)): void {
    const dir = this.dir;
    if (!manifest) return;
    const baselineDir = this.review.baseline || '';
    const source =
      [RUN_FILES.predictions, SALIENCY_FILE].map((f) => signature(join(dir, f))).join('|') +
      `|${baselineDir && signature(join(baselineDir, RUN_FILES.predictions))}`;
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
    const extras = { baseline, baselines, saliency, notes: notes.notes, warnings };
    this.reviewed = reviewModel(preds, labels, this.review, this.textLookup(manifest.dataset?.id), extras);
    this.post({ type: 'review', page: this.reviewed.page });
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

  protected override receiveOwn(m: FromWebview): void {
    switch (m.type) {
      case 'review':
        this.review = m.query;
        this.sendReview(true);
        break;
      case 'reviewItem': {
        const item = this.reviewed?.item(m.id);
        if (item) this.post({ type: 'reviewItem', item });
        break;
      }
      case 'note':
        try {
          const savedAt = saveNote(this.dir, m.id, m.text);
          this.post({ type: 'noteSaved', id: m.id, savedAt });
        } catch (e) {
          this.post({ type: 'notice', level: 'error', message: `Note not saved: ${e instanceof Error ? e.message : String(e)}` });
        }
        break;
    }
  }
}
