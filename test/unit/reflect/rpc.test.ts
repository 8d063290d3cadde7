// runs/reflection over a real JSON-RPC connection to the host's serve() (in-memory streams): a tiny runs folder
// with a real TF-IDF baseline and a fine-tuning run on the same split gives the Markdown with the measured numbers
// and the runs it compared; a missing folder, a folder without completed runs and a cancel each answer as the
// extension expects.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { CancellationTokenSource, createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { serve } from '../../../src/host/main';
import { runTfidfBaseline } from '../../../src/host/jobs';
import { evaluatePredictions } from '../../../src/host/eval';
import { RunFolder } from '../../../src/host/runs';
import { sendRequest } from '../../../src/client/rpc';
import { Requests, type ReflectionParams } from '../../../src/protocol';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** 200 short reviews; a share of sentiment words points the wrong way, so TF-IDF makes some mistakes. */
function writeDataset(path: string): void {
  const POS = ['good', 'great', 'fun', 'moving'];
  const NEG = ['bad', 'dull', 'boring', 'awful'];
  const FILL = ['the', 'film', 'plot', 'actor', 'scene', 'was', 'and', 'it'];
  let s = 3;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const lines: string[] = [];
  for (let i = 0; i < 200; i++) {
    const pos = i % 2 === 0;
    const misleading = rnd() < 0.3;
    const ws: string[] = [];
    for (let k = 0; k < 6 + (i % 30); k++)
      ws.push(k % 3 === 0 ? (pos !== misleading ? POS : NEG)[Math.floor(rnd() * 4)] : FILL[Math.floor(rnd() * FILL.length)]);
    lines.push(JSON.stringify({ id: `r${i}`, text: ws.join(' '), label: pos ? 'pos' : 'neg' }));
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

function connect(): { client: MessageConnection; server: MessageConnection } {
  const up = new PassThrough();
  const down = new PassThrough();
  const server = createMessageConnection(new StreamMessageReader(up), new StreamMessageWriter(down));
  const client = createMessageConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
  serve(server);
  server.listen();
  client.listen();
  return { client, server };
}

const dir = mkdtempSync(join(tmpdir(), 'gft-reflect-rpc-'));
const { client, server } = connect();
after(() => {
  client.dispose();
  server.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function fails(params: unknown, token?: CancellationTokenSource): Promise<{ code: number; message: string }> {
  try {
    const p = sendRequest(client, Requests.reflection, params as ReflectionParams, token?.token);
    token?.cancel();
    await p;
  } catch (e) {
    return e as { code: number; message: string };
  }
  throw new Error('the request should have failed');
}

test('runs/reflection: the measured accuracies with CIs, the comparison and the three questions, from a tiny runs folder', async () => {
  const root = join(dir, 'runs');
  const data = join(dir, 'reviews.jsonl');
  writeDataset(data);
  const a = await runTfidfBaseline({ kind: 'tfidf', data, runsRoot: root, runId: 'tfidf', C: 10 });
  assert.equal(a.status, 'completed', a.error);
  const tfidf = RunFolder.open(a.runDir);
  const ref = tfidf.manifest.dataset!;
  // A "fine-tuned" run on the same split: right wherever TF-IDF is right, plus half of its mistakes.
  const preds = tfidf.readPredictions().map((p, i) => {
    const pred = p.pred === p.label || i % 2 === 0 ? p.label : p.pred;
    return { id: p.id, label: p.label, pred, probs: pred === 1 ? [0.2, 0.8] : [0.8, 0.2], split: 'test' as const };
  });
  const ft = RunFolder.create(root, {
    id: 'tuned',
    kind: 'finetune',
    config: { maxLength: 16, longText: 'head', data: { data } },
    dataset: ref,
    model: { id: 'starter' },
    seed: 42,
    packages: {},
    device: 'cpu: test',
  });
  ft.writePredictions(preds);
  ft.finish('completed', {
    test: evaluatePredictions(
      preds.map((p) => p.label),
      preds.map((p) => p.probs),
      { labelNames: ref.labels },
    ),
  });

  const r = await sendRequest(client, Requests.reflection, { runsRoot: root });
  const tfidfTest = RunFolder.open(a.runDir).manifest.test!;
  assert.equal(r.splitHash, ref.splitHash);
  assert.deepEqual(
    r.runs.map((x) => x.id),
    ['tfidf', 'tuned'],
  );
  assert.equal(r.runs[0].accuracy, tfidfTest.accuracy);
  assert.deepEqual(r.runs[0].accuracyCI, tfidfTest.accuracyCI);
  const md = r.markdown;
  for (const h of ['## 1. Did fine-tuning beat the earlier models, and why?', '## 2. What would make it better?', '## 3. What limits it in production?'])
    assert.ok(md.includes(h), h);
  assert.ok(
    md.includes(`| TF-IDF + logistic regression | – | ${pct(tfidfTest.accuracy)} | ${pct(tfidfTest.accuracyCI[0])} – ${pct(tfidfTest.accuracyCI[1])} |`),
    md.slice(0, 1200),
  );
  const fixed = preds.filter((p, i) => p.pred === p.label && tfidf.readPredictions()[i].pred !== p.label).length;
  assert.ok(fixed > 0);
  assert.match(
    md,
    new RegExp(`McNemar exact p (=|<) [\\d.]+ on ${fixed} reviews where exactly one is right \\(${fixed} only Fine-tuned starter, 0 only TF-IDF`),
  );
  // Truncation measured with the starter tokenizer at the run's 16-token limit; the TF-IDF latency timed here.
  assert.match(md, /Fine-tuned starter: \d+\.\d% of the \d+ test reviews are longer than one 16-token window/);
  assert.match(md, /\| TF-IDF \+ logistic regression \| [\d.]+ KiB \| [\d.]+ ms \|/);
  assert.match(md, /Error rate by length \(word-count quarters\)/);
});

test('runs/reflection: a missing runs folder and a folder without completed runs answer one readable line or no runs', async () => {
  const e = await fails({ runsRoot: join(dir, 'nowhere') });
  assert.equal(e.code, -32000);
  assert.equal(
    e.message,
    `no runs folder at ${join(dir, 'nowhere')}: run a baseline and a fine-tuning run first, or point the runs folder setting at the folder that holds them`,
  );
  const bad = await fails({});
  assert.match(bad.message, /^runs\/reflection needs runsRoot/);

  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const run = RunFolder.create(empty, { id: 'stopped', kind: 'baseline-tfidf', config: {}, seed: 1, packages: {}, device: 'cpu' });
  run.finish('cancelled');
  const r = await sendRequest(client, Requests.reflection, { runsRoot: empty, measureLatency: false });
  assert.deepEqual(r.runs, []);
  assert.deepEqual(r.excluded, [{ id: 'stopped', reason: 'status cancelled' }]);
  assert.match(r.markdown, /No completed runs with test predictions were found/);
});

test('runs/reflection: a cancelled request answers "cancelled" (code -32800) instead of a document', async () => {
  const e = await fails({ runsRoot: join(dir, 'runs') }, new CancellationTokenSource());
  assert.equal(e.code, -32800);
  assert.equal(e.message, 'cancelled');
});
