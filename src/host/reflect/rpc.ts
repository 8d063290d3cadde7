// The host's side of the runs/reflection request: checks the parameters, builds the facts once, and answers the
// Markdown together with the runs it compares (so the extension can tell "nothing to reflect on" from a document).
// Transport-free: main.ts passes `cancelled` from the request's cancellation token.
import { existsSync, statSync } from 'node:fs';
import type { ReflectionParams, ReflectionResult } from '../../protocol';
import { buildReflection, reflectionMarkdown } from './reflection';

export async function reflectionRequest(p: ReflectionParams, cancelled?: () => boolean): Promise<ReflectionResult> {
  if (!p || typeof p.runsRoot !== 'string' || !p.runsRoot) throw new Error('runs/reflection needs runsRoot: the folder that holds the run folders');
  if (!existsSync(p.runsRoot) || !statSync(p.runsRoot).isDirectory()) {
    throw new Error(
      `no runs folder at ${p.runsRoot}: run a baseline and a fine-tuning run first, or point the runs folder setting at the folder that holds them`,
    );
  }
  if (p.outOfDomain && !p.outOfDomain.startsWith('builtin:') && !existsSync(p.outOfDomain))
    throw new Error(`out-of-domain data ${p.outOfDomain} not found; pick an existing file or folder with text and label`);
  const facts = await buildReflection(p.runsRoot, {
    source: p.source,
    splitHash: p.splitHash,
    outOfDomain: p.outOfDomain,
    measureLatency: p.measureLatency,
    cancelled,
    settingsPlace: p.settingsPlace === 'form' ? 'form' : 'cli',
  });
  return {
    markdown: reflectionMarkdown(facts),
    splitHash: facts.splitHash,
    runs: facts.runs.map((r) => ({ id: r.id, title: r.title, accuracy: r.test.accuracy, accuracyCI: r.test.accuracyCI })),
    excluded: facts.excluded.map((e) => ({ id: e.id, reason: e.reason })),
  };
}
