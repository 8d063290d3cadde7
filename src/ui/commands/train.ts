// Training commands: baselines, fine-tuning (the guided form, or at once with the run's parameters), cancel, resume.
import * as vscode from 'vscode';
import { basename, dirname } from 'node:path';
import { isFineTuneKind, Requests, type BaselineKind, type BaselineParams, type SearchParams, type SearchResult, type TrainParams } from '../../protocol';
import { listSearches } from '../viewmodel/search';
import { FineTuneForm } from '../fineTuneForm';
import { settings } from '../settings';
import { stepDone } from '../walkthrough';
import type { Commands, RunArg } from './common';

export function registerTrainCommands(c: Commands): vscode.Disposable[] {
  const d = c.d;
  return [
    c.reg('guidedFinetune.runBaseline', async () => {
      const kinds: (vscode.QuickPickItem & { baseline: BaselineKind })[] = [
        { label: 'TF-IDF + logistic regression', detail: 'Word and bigram counts, no neural network: the classic strong baseline.', baseline: 'tfidf' },
        {
          label: 'NB-weighted bigrams + logistic regression (NBSVM)',
          detail: 'Binary word and bigram features weighted by their Naive Bayes log-count ratio (Wang & Manning 2012); two labels only.',
          baseline: 'nbsvm',
        },
        {
          label: 'Frozen embeddings + classifier',
          detail: 'Sentence embeddings of the pre-trained model, unchanged; only a classifier is trained.',
          baseline: 'embeddings',
        },
      ];
      const kind = await vscode.window.showQuickPick(kinds, { placeHolder: 'Which baseline?' });
      if (!kind) return;
      const entry = await c.pickDataset('On which dataset?');
      if (!entry) return;
      const params: BaselineParams = {
        kind: kind.baseline,
        runsRoot: c.root(),
        ...c.dataParams(entry),
        ...(kind.baseline === 'embeddings' ? { model: settings().defaultModel } : {}),
      };
      stepDone('baselineRun');
      return c.runJob(`Baseline: ${kind.label}`, Requests.baseline, params, 'run baselines');
    }),

    c.reg('guidedFinetune.fineTune', async (arg?: Partial<TrainParams>) => {
      // With the run's parameters (tests, other commands) it starts at once; otherwise the guided form opens.
      if (arg && typeof arg === 'object' && typeof arg.model === 'string') {
        const params: TrainParams = { runsRoot: c.root(), config: {}, ...arg, model: arg.model };
        stepDone('fineTuneStarted');
        return c.runJob(`Fine-tune ${params.model}`, Requests.train, params, 'fine-tune models');
      }
      FineTuneForm.show({
        extensionUri: d.context.extensionUri,
        host: d.host,
        datasets: () => d.datasets.entries(),
        runsRoot: c.root,
        activeRuns: d.activeRuns,
        start: (params, onStarted) => {
          const sub = d.host.onRunStarted((r) => {
            if (!isFineTuneKind(r.kind)) return;
            sub.dispose();
            stepDone('fineTuneStarted');
            onStarted(r.runId);
          });
          return c.runJob(`Fine-tune ${params.model}`, Requests.train, params, 'fine-tune models').finally(() => sub.dispose());
        },
        search: (params) => runSearch(c, params),
        openSearch: (dir) => {
          const s = listSearches(dirname(dir)).find((x) => x.dir === dir);
          if (s) void vscode.commands.executeCommand('guidedFinetune.openSearch', { type: 'search', ...s });
        },
      });
      return undefined;
    }),

    c.reg('guidedFinetune.cancelRun', async (arg?: RunArg) => {
      const run = await c.pickRun(arg, 'Cancel which run?', (m) => m.status === 'running');
      if (!run) return;
      const r = await d.host.request(Requests.cancel, { runId: run.manifest.id }, 'cancel runs');
      void vscode.window.showInformationMessage(
        r.cancelled.length ? `Cancelled ${r.cancelled.join(', ')}.` : `${run.manifest.id} was not running in this host.`,
      );
    }),

    c.reg('guidedFinetune.resumeRun', async (arg?: RunArg) => {
      const run = await c.pickRun(arg, 'Resume which run?', (m) => m.kind === 'finetune' && (m.status === 'failed' || m.status === 'cancelled'));
      if (!run) return;
      const m = run.manifest;
      if (!m.model?.id || !m.dataset?.id) throw new Error(`${m.id} has no model or dataset in its run.json, so it cannot be resumed.`);
      const params: TrainParams = { model: m.model.id, data: m.dataset.id, runsRoot: c.root(), config: m.config, resumeRunDir: run.dir };
      return c.runJob(`Resume ${m.id}`, Requests.train, params, 'resume runs');
    }),
  ];
}

/** A search behind a cancellable notification (cancel stops the running trial and keeps the finished ones). */
function runSearch(c: Commands, params: SearchParams): Promise<SearchResult> {
  const d = c.d;
  const title = `Search ${basename(params.dir)}`;
  return Promise.resolve(
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      let runId: string | undefined;
      const subs = [
        d.host.onRunStarted((r) => {
          runId = r.runId;
          d.runs.refresh();
        }),
        d.host.onProgress((p) => {
          if (p.runId === runId) progress.report({ message: `${p.detail ?? p.runId}: ${p.phase} ${p.total > 0 ? `${p.step}/${p.total}` : ''}` });
        }),
        token.onCancellationRequested(() => void d.host.request(Requests.cancel, { runId }, 'cancel runs').catch(() => undefined)),
      ];
      try {
        return await d.host.request(Requests.search, params, 'search hyperparameters');
      } finally {
        for (const s of subs) s.dispose();
        d.runs.refresh();
      }
    }),
  );
}
