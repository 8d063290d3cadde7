// gft search: seeded sampling inside the schema's limits, successive halving promoting by validation metric, trials
// that never read the test set, the final run tested once, a cancelled search resumed without rerunning finished
// trials, the budget stopping new trials by the probe's estimate, bad flags. Quick runs of the starter model on the
// tiny fixture (split into train, validation and test); the probe is replaced by fixed estimates where the test is
// about the budget (no wall-clock assertions).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jobHandlers, runSearch } from '../../../src/host/jobs';
import { bestTrial, planSeconds, rungEpochs, rungMembers, rungSizes } from '../../../src/host/jobs/searchPlan';
import { readRun } from '../../../src/host/runs';
import { main } from '../../../src/host/cli';
import { trialRows, type ProbeResult, type SearchParams, type SearchRecord, type SearchTrial } from '../../../src/protocol';
import { isValid, type SettingKey } from '../../../src/shared/settings';
import { trainLayersChoices, maxLengthChoices, sampleTrial, SEARCHED_KEYS, type SpaceContext } from '../../../src/shared/searchSpace';
import { tempDir } from '../tempDir';

const DATA = 'test/fixtures/host/tiny-train.jsonl';
const params = (dir: string, over: Partial<SearchParams> = {}): SearchParams => ({
  model: 'starter',
  data: DATA,
  split: { validation: 0.25, test: 0.25, seed: 42 },
  dir,
  budgetMinutes: 7.5,
  seed: 3,
  maxTrials: 6,
  config: { batchSize: 8, epochs: 3, longText: 'head', maxLength: 32, ...over.config },
  threads: 1,
  ...over,
});

/** Replaces the probe by a fixed estimate (seconds per epoch, no setup) for the duration of `f`. */
async function withProbe<T>(epochSeconds: number, f: () => Promise<T>): Promise<T> {
  const real = jobHandlers.probe;
  jobHandlers.probe = async () => {
    return { secondsPerEpoch: epochSeconds, evalSeconds: 0, evalPasses: 2, setupSeconds: 0 } as unknown as ProbeResult;
  };
  try {
    return await f();
  } finally {
    jobHandlers.probe = real;
  }
}

const space: SpaceContext = { numLayers: 6, maxLength: 256, longTexts: ['head', 'tail', 'sentence-mean'], stepsPerEpoch: 100 };

test('seeded sampling: the same trial for the same seed, every value inside the schema', () => {
  for (let t = 1; t <= 60; t++) {
    const a = sampleTrial(11, t, space);
    assert.deepEqual(a, sampleTrial(11, t, space));
    assert.deepEqual(Object.keys(a).sort(), [...SEARCHED_KEYS].sort());
    for (const [k, v] of Object.entries(a)) assert.ok(isValid(k as SettingKey, v), `${k} = ${JSON.stringify(v)}`);
    assert.ok(maxLengthChoices(256).includes(a.maxLength!));
    assert.ok(['head', 'tail', 'sentence-mean'].includes(a.longText!), 'only the strategies the model can read');
    assert.ok(a.warmupSteps! >= 0 && a.warmupSteps! <= 10);
    const [lo, hi] = a.trainLayers === 'all' ? [1e-5, 1e-4] : a.trainLayers === 'head' ? [1e-4, 5e-3] : [5e-5, 1e-3];
    assert.ok(a.lr! >= lo * 0.95 && a.lr! <= hi * 1.05, `lr ${a.lr} for ${JSON.stringify(a.trainLayers)}`);
  }
  const seq = (seed: number) => Array.from({ length: 8 }, (_, i) => sampleTrial(seed, i + 1, space).lr);
  assert.notDeepEqual(seq(11), seq(12));
  // a fixed setting is not sampled, and the others keep their values
  const some = sampleTrial(11, 5, space, ['lr', 'trainLayers']);
  assert.deepEqual(some, { lr: sampleTrial(11, 5, space).lr, trainLayers: sampleTrial(11, 5, space).trainLayers });
  assert.deepEqual(maxLengthChoices(128), [32, 64, 128]);
  assert.deepEqual(trainLayersChoices(6), ['all', { top: 1 }, { top: 2 }, { top: 3 }, 'head']);
});

test('successive halving: rungs, sizes, the plan estimate, promotion by validation metric', () => {
  assert.deepEqual(rungEpochs(3), [1, 3]);
  assert.deepEqual(rungEpochs(9), [1, 3, 9]);
  assert.deepEqual(rungEpochs(10), [1, 3, 9, 10]);
  assert.deepEqual(rungEpochs(1), [1]);
  assert.deepEqual(rungSizes(9, 3), [9, 3, 1]);
  assert.deepEqual(rungSizes(2, 3), [2, 1]);
  assert.deepEqual(rungSizes(1, 3), [1]);
  // 3 trials of 1 epoch, then the costliest one 2 more epochs
  assert.equal(
    planSeconds(
      [1, 2, 4].map((e) => ({ epochSeconds: e, setupSeconds: 1 })),
      [1, 3],
    ),
    2 + 3 + 5 + (1 + 2 * 4),
  );
  const trial = (n: number, value: number | undefined, status: 'completed' | 'failed' = 'completed'): SearchTrial => ({
    trial: n,
    sample: n,
    runId: `trial-0${n}`,
    sampled: {},
    estimate: { epochSeconds: 1, setupSeconds: 0, shape: '' },
    rungs: [{ epochs: 1, status, value, estimatedSeconds: 1 }],
  });
  const rec = (metric: 'accuracy' | 'loss') => ({
    metric,
    plan: { trials: 6, rungSizes: [6, 2], estimatedSeconds: 0 },
    trials: [trial(1, 0.5), trial(2, 0.9), trial(3, 0.7), trial(4, undefined, 'failed'), trial(5, 0.9), trial(6, 0.2)],
  });
  assert.deepEqual(
    rungMembers(rec('accuracy'), 1).map((t) => t.trial),
    [2, 5],
  );
  assert.deepEqual(
    rungMembers(rec('loss'), 1).map((t) => t.trial),
    [6, 1],
  );
  assert.equal(bestTrial(rec('accuracy'))!.trial.trial, 2);
  assert.deepEqual(
    trialRows(rec('loss') as Pick<SearchRecord, 'trials' | 'metric'>).map((r) => r.trial),
    [6, 1, 3, 2, 5, 4],
  );
});

test('a search: trials never tested, the best of rung 1 continued from its checkpoint, the final run tested once', async (t) => {
  const dir = join(tempDir(t, 'gft-search-'), 's');
  // 100 s an epoch by the estimate: 2 trials (200 s) + 1 promoted for 2 more epochs (200 s) fit 450 s; 3 do not (500 s)
  const r = await withProbe(100, () => runSearch(params(dir, { budgetMinutes: 7.5 })));
  assert.equal(r.status, 'completed', r.error);
  const rec = JSON.parse(readFileSync(join(dir, 'search.json'), 'utf8')) as SearchRecord;
  assert.equal(rec.plan!.trials, 2, 'the budget fits 2 trials by the estimate');
  assert.deepEqual(rec.plan!.rungSizes, [2, 1]);
  assert.deepEqual(rec.rungs, [1, 3]);
  assert.equal(rec.trials.length, 2);
  // samples 3, 4 and 5 would not fit what is left: skipped, and three misses in a row end the plan
  assert.deepEqual(
    rec.skipped!.map((x) => x.sample),
    [3, 4, 5],
  );
  assert.ok(!existsSync(join(dir, 'trial-03')));
  for (const t of rec.trials) {
    const d = readRun(join(dir, t.runId));
    assert.equal(d.manifest.testSkipped, true);
    assert.deepEqual(d.manifest.search, { id: 's', trial: t.trial });
    assert.equal(d.manifest.test, undefined);
    assert.equal(d.predictions.length, 0);
    assert.ok(!existsSync(join(dir, t.runId, 'predictions.jsonl')));
    assert.ok(
      d.metrics.every((m) => m.type !== 'eval' || m.split === 'validation'),
      `${t.runId} read only validation`,
    );
  }
  const [a, b] = rec.trials;
  const promoted = a.rungs[0].value! >= b.rungs[0].value! ? a : b;
  const other = promoted === a ? b : a;
  assert.equal(promoted.rungs.length, 2, 'the better trial continued');
  assert.equal(other.rungs.length, 1);
  const pd = readRun(join(dir, promoted.runId));
  assert.equal(pd.manifest.config.epochs, 3);
  // continued, not restarted: one run of 3 epochs x 4 steps, each step once
  assert.deepEqual(
    pd.metrics.filter((m) => m.type === 'step').map((m) => m.step),
    Array.from({ length: 12 }, (_, i) => i + 1),
  );
  assert.equal(rec.best!.runId, bestTrial(rec)!.trial.runId);
  const fin = readRun(join(dir, 'final'));
  assert.equal(fin.manifest.status, 'completed');
  assert.equal(fin.manifest.config.epochs, rec.best!.epochs);
  assert.equal(fin.metrics.filter((m) => m.type === 'eval' && m.split === 'test').length, 1, 'tested once');
  assert.equal(fin.predictions.length, fin.manifest.dataset!.sizes!.test);
  assert.equal(fin.manifest.test!.n, fin.predictions.length);
  assert.equal(rec.final!.test!.accuracy, fin.manifest.test!.accuracy);

  // a budget that fits no trial by the estimate: one line, no trial started
  const none = await withProbe(1000, () => runSearch(params(join(tempDir(t, 'gft-search-'), 'n'), { budgetMinutes: 1 })));
  assert.equal(none.status, 'failed');
  assert.match(none.error!, /^the budget of 1 min fits no trial \(one epoch of the first takes about 16\.7 min by the probe/);
});

test('a cancelled search resumes without rerunning finished trials', async (t) => {
  const dir = join(tempDir(t, 'gft-search-'), 'c');
  const p = params(dir, { config: { batchSize: 8, epochs: 1, longText: 'head', maxLength: 32 }, maxTrials: 3, budgetMinutes: 60 });
  const ac = new AbortController();
  const details = new Set<string>();
  const first = await withProbe(10, () =>
    runSearch(p, {
      signal: ac.signal,
      progress: (x) => x.phase === 'training' && details.add(`${x.runId}: ${x.detail}`),
      metric: (m) => {
        if (m.runId === 'trial-02' && m.record.type === 'step' && m.record.step === 2) ac.abort();
      },
    }),
  );
  assert.equal(first.status, 'cancelled');
  // a trial's progress says which trial and rung it is
  assert.deepEqual([...details], ['trial-01: trial-01 · rung 1/1', 'trial-02: trial-02 · rung 1/1']);
  assert.match(first.record.stopReason!, /run the same command again to continue/);
  assert.equal(first.record.trials[0].rungs[0].status, 'completed');
  assert.equal(first.record.trials[1].rungs[0].status, 'cancelled');
  const kept = readFileSync(join(dir, 'trial-01', 'metrics.jsonl'), 'utf8');
  const keptRun = readFileSync(join(dir, 'trial-01', 'run.json'), 'utf8');
  // other settings are refused rather than mixed into the folder
  await assert.rejects(
    withProbe(10, () => runSearch({ ...p, seed: 4 })),
    /holds a search with other settings/,
  );
  const again = await withProbe(10, () => runSearch(p));
  assert.equal(again.status, 'completed', again.error);
  assert.equal(readFileSync(join(dir, 'trial-01', 'metrics.jsonl'), 'utf8'), kept, 'trial-01 was not run again');
  assert.equal(readFileSync(join(dir, 'trial-01', 'run.json'), 'utf8'), keptRun);
  const t2 = readRun(join(dir, 'trial-02'));
  assert.deepEqual(
    t2.metrics.filter((m) => m.type === 'step').map((m) => m.step),
    [1, 2, 3, 4],
    'trial-02 resumed from its checkpoint',
  );
  assert.equal(again.record.trials.length, 3);
  assert.ok(again.record.trials.every((t) => t.rungs[0].status === 'completed'));
  assert.equal(again.record.final!.status, 'completed');
});

test('gft search: bad flags are one line and exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [['--data', DATA], /--budget-minutes is required/],
    [['--data', DATA, '--budget-minutes', 'soon'], /--budget-minutes must be a number from 0\.1 to 100000 \(got 'soon'\)/],
    [['--budget-minutes', '5'], /--data is required/],
    [['--data', DATA, '--budget-minutes', '5', '--lr', '2'], /--lr must be a number > 0 and <= 1 \(got 2\)/],
    [['--data', DATA, '--budget-minutes', '5', '--max-trials', '0'], /--max-trials must be a whole number from 1 to 1000/],
  ];
  for (const [args, re] of cases) {
    const err: string[] = [];
    const code = await main(['search', ...args], { out: () => undefined, err: (l) => err.push(l), isTTY: false });
    assert.equal(code, 2, args.join(' '));
    assert.equal(err.length, 1);
    assert.match(err[0], re);
    assert.ok(!err[0].includes('\n'));
  }
});
