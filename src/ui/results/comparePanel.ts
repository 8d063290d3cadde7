// The comparison panel: several runs side by side (table with macro F1 CIs, the host's paired test of each run
// against a reference run, overlaid curves, confusion matrices and reliability diagrams). It tails each run's
// metrics.jsonl like the run panel does.
import * as vscode from 'vscode';
import { join } from 'node:path';
import type { Comparison, MetricRecord, RunManifest, RunResult } from '../../protocol';
import type { ConfusionView, FromWebview, ReliabilityView, SignificanceRow } from '../../protocol/webviewMessages';
import { comparisonTable } from '../viewmodel/comparison';
import {
  confusionFromPredictions,
  confusionView,
  defaultReference,
  ensembleState,
  macroF1CI,
  overlaidCurves,
  reliabilityFromPredictions,
  reliabilityView,
  significanceRow,
} from '../viewmodel/compareView';
import { pct } from '../viewmodel/format';
import { JsonlTail, readManifest, readPredictions, RUN_FILES } from '../viewmodel/runFiles';
import { stepDone } from '../walkthrough';
import { ResultsPanel, signature, webviewHtml } from './panel';

/** The host's paired comparison of two runs' test predictions (runs/compare); A is the reference. */
export type CompareFn = (runDirA: string, runDirB: string) => Promise<Comparison>;
/** The host's ensemble of runs (run/ensemble): the new run's folder. */
export type EnsembleFn = (runDirs: string[]) => Promise<RunResult>;

export class ComparePanel extends ResultsPanel {
  /** Metrics per run (tailed). */
  private readonly tails = new Map<string, { tail: JsonlTail<MetricRecord>; metrics: MetricRecord[] }>();
  private reference: string | undefined;
  /** The host's paired tests against the reference, by "reference\nrun". */
  private readonly pairs = new Map<string, Comparison | { error: string }>();
  private readonly inflight = new Set<string>();
  /** Bootstrap CI of each compared run's macro F1, by the predictions file it was computed from. */
  private readonly f1CI = new Map<string, { source: string; ci: [number, number] }>();
  private ciWaiting = false;

  private constructor(
    extensionUri: vscode.Uri,
    panel: vscode.WebviewPanel,
    runDirs: string[],
    private readonly notes: string[],
    private readonly compare?: CompareFn,
    private readonly ensemble?: EnsembleFn,
  ) {
    super(extensionUri, panel, 'compare', runDirs);
  }

  private ensembling = false;

  /** One comparison panel at a time (a new one replaces it). compare: the host's paired test; without it the panel
   *  shows the table, curves and diagrams only. */
  static show(extensionUri: vscode.Uri, dirs: string[], notes: string[] = [], compare?: CompareFn, ensemble?: EnsembleFn): ResultsPanel {
    ResultsPanel.get('compare')?.dispose();
    const title = `Compare ${dirs.length} runs`;
    const panel = ResultsPanel.create(extensionUri, title);
    const p = new ComparePanel(extensionUri, panel, dirs, notes, compare, ensemble);
    stepDone('runsCompared');
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'compare', title);
    p.startPairsEarly();
    return p;
  }

  /** The page's commands ask which run (no run is implied by a comparison). */
  protected override commandArg(): undefined {
    return undefined;
  }

  protected override receiveOwn(m: FromWebview): void {
    if (m.type === 'ensemble') return void this.startEnsemble();
    if (m.type !== 'reference') return;
    this.reference = m.dir;
    this.update();
  }

  /** Asks the host for the ensemble of the compared runs, then opens the new run's results. */
  private async startEnsemble(): Promise<void> {
    const ensemble = this.ensemble;
    if (!ensemble || this.ensembling) return;
    this.ensembling = true;
    this.update();
    try {
      const r = await ensemble(this.runDirs);
      if (r.status !== 'completed') throw new Error(r.error ?? `the ensemble ${r.status}`);
      void vscode.window.showInformationMessage(`Ensemble ${r.runId}: test accuracy ${r.test ? pct(r.test.accuracy) : '–'}.`);
      await vscode.commands.executeCommand('guidedFinetune.openResults', { type: 'run', dir: r.runDir });
    } catch (e) {
      void vscode.window.showErrorMessage(`Ensemble: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.ensembling = false;
      if (!this.disposed) this.update();
    }
  }

  /** The compared runs with a manifest and the reference run (the one picked, else the default); undefined: none. */
  private runsAndReference(): { runs: { dir: string; manifest: RunManifest }[]; ref: { dir: string; manifest: RunManifest } } | undefined {
    const runs = this.runDirs.flatMap((dir) => {
      const manifest = readManifest(dir);
      return manifest ? [{ dir, manifest }] : [];
    });
    if (runs.length === 0) return undefined;
    if (!this.reference || !runs.some((r) => r.dir === this.reference)) this.reference = defaultReference(runs);
    return { runs, ref: runs.find((r) => r.dir === this.reference) ?? runs[0] };
  }

  /** Asks the host for the paired tests now, while the page loads (update() starts any that are missing). */
  private startPairsEarly(): void {
    const r = this.runsAndReference();
    if (r) this.startPairs(r.ref.dir, r.runs);
  }

  protected override update(): void {
    const rr = this.runsAndReference();
    if (!rr) return;
    const { runs, ref } = rr;
    // The host's paired tests first: they run in the host process while this one builds the page.
    this.startPairs(ref.dir, runs);
    const table = comparisonTable(runs, { paired: !!this.compare });
    for (const row of table.rows) if (row.dir === ref.dir) row.reference = true;
    // Macro F1 with its 95% CI too (run.json has a CI for the accuracy only). The bootstrap (a few hundred ms at
    // 15,000 predictions) runs after the page is shown: until then a cell has the F1 alone.
    const f1Col = table.columns.indexOf('Macro F1');
    let missingCI = false;
    if (f1Col >= 0) {
      table.columns = table.columns.map((c, i) => (i === f1Col ? 'Macro F1 (95% CI)' : c));
      for (const row of table.rows) {
        const t = runs.find((r) => r.dir === row.dir)?.manifest.test;
        if (!t) continue;
        const ci = this.macroF1CI(row.dir, t.labels.length, false);
        if (ci === 'later') missingCI = true;
        else if (ci) row.cells[f1Col] = `${pct(t.macroF1)} (${pct(ci[0])}–${pct(ci[1])})`;
      }
    }
    if (missingCI) this.computeCIsAfterRender(runs);
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
      reliability.push(
        t?.reliability?.length ? reliabilityView(manifest.id, t.reliability, t.ece) : reliabilityView(manifest.id, reliabilityFromPredictions(preds!)),
      );
    }
    this.post({
      type: 'comparison',
      view: {
        table: { ...table, notes: [...table.notes, ...this.notes] },
        reference: { dir: ref.dir, id: ref.manifest.id },
        significance,
        pending,
        confusions,
        reliability,
        ...(this.ensemble ? { ensemble: { ...ensembleState(runs), busy: this.ensembling } } : {}),
      },
    });
    for (const { dir } of runs) {
      let t = this.tails.get(dir);
      if (!t) this.tails.set(dir, (t = { tail: new JsonlTail<MetricRecord>(join(dir, RUN_FILES.metrics)), metrics: [] }));
      const { records, reset } = t.tail.read();
      if (reset) t.metrics = [];
      t.metrics.push(...records);
    }
    this.post({
      type: 'charts',
      charts: overlaidCurves(runs.map((r) => ({ id: r.manifest.id, kind: r.manifest.kind, metrics: this.tails.get(r.dir)!.metrics }))),
    });
    this.pollWhile(runs.some((r) => r.manifest.status === 'running'));
  }

  /**
   * Computes the missing macro F1 CIs once the page has rendered what was just posted (the computation holds this
   * process's event loop, and with it the message to the page), or after a second at most; then re-renders.
   */
  private computeCIsAfterRender(runs: { dir: string; manifest: RunManifest }[]): void {
    if (this.ciWaiting) return;
    this.ciWaiting = true;
    const go = () => {
      if (!this.ciWaiting) return;
      this.ciWaiting = false;
      sub.dispose();
      clearTimeout(timer);
      if (this.disposed) return;
      for (const { dir, manifest } of runs) if (manifest.test) this.macroF1CI(dir, manifest.test.labels.length, true);
      this.schedule();
    };
    const sub = this.onDidRender(() => setTimeout(go, 0));
    const timer = setTimeout(go, 1000);
  }

  /** The run's macro F1 CI: cached, computed now (compute), or 'later' when not cached and not computed now. */
  private macroF1CI(dir: string, k: number, compute: boolean): [number, number] | undefined | 'later' {
    const source = signature(join(dir, RUN_FILES.predictions));
    if (!source) return undefined;
    const hit = this.f1CI.get(dir);
    if (hit?.source === source) return Number.isFinite(hit.ci[0]) ? hit.ci : undefined;
    if (!compute) return 'later';
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
}
