// Short, readable run names: the model and the settings that tell runs apart ("starter · full · 3 ep · lr 5e-5",
// "TF-IDF baseline"). The host writes one into run.json when it creates the run; "Rename Run" replaces it with the
// person's own. Folders made before names existed get the same default when read. Imports only types.
import type { RunManifest } from './runs';

/** "5e-5", "4e-4", "1e-3": a learning rate as people write it. */
function lrText(lr: unknown): string | undefined {
  return typeof lr === 'number' && Number.isFinite(lr) && lr > 0
    ? lr
        .toExponential()
        .replace(/\.?0+e/, 'e')
        .replace('e+', 'e')
    : undefined;
}

/** A hub id's last part ("distilbert/distilbert-base-uncased" -> "distilbert-base-uncased"); a folder's name. */
function modelShort(id: string): string {
  const parts = id.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? id;
}

export function defaultRunName(m: Pick<RunManifest, 'kind' | 'config' | 'model'>): string {
  const c = (m.config ?? {}) as Record<string, unknown>;
  const data = (c.data ?? {}) as Record<string, unknown>;
  const model = typeof data.model === 'string' ? data.model : typeof c.model === 'string' ? c.model : m.model?.id;
  if (m.kind === 'baseline-tfidf') return typeof c.C === 'number' ? `TF-IDF baseline · C ${c.C}` : 'TF-IDF baseline';
  if (m.kind === 'baseline-nbsvm') return typeof c.C === 'number' ? `NBSVM baseline · C ${c.C}` : 'NBSVM baseline';
  if (m.kind === 'ensemble') {
    const members = Array.isArray(c.members) ? (c.members as { name?: unknown }[]).map((x) => (typeof x.name === 'string' ? x.name : '?')) : [];
    return members.length ? `ensemble · ${members.join(' + ')}` : 'ensemble';
  }
  if (m.kind === 'baseline-embeddings') return `embeddings baseline${model ? ` · ${modelShort(model)}` : ''}`;
  const parts: string[] = [model ? modelShort(model) : m.kind];
  const trainLayers = c.trainLayers as unknown;
  if (m.kind === 'head-only' || trainLayers === 'head') parts.push('head only');
  else if (trainLayers && typeof trainLayers === 'object' && typeof (trainLayers as { top?: unknown }).top === 'number')
    parts.push(`top ${(trainLayers as { top: number }).top}`);
  else parts.push('full');
  if (typeof c.longText === 'string' && c.longText !== 'head') parts.push(c.longText);
  if (typeof c.epochs === 'number') parts.push(`${c.epochs} ep`);
  const lr = lrText(c.lr);
  if (lr) parts.push(`lr ${lr}`);
  if (typeof c.layerLrDecay === 'number' && c.layerLrDecay !== 1) parts.push(`layer decay ${c.layerLrDecay}`);
  return parts.join(' · ');
}

/** The name to show: the one in run.json, else the default for its settings. */
export function runName(m: Pick<RunManifest, 'kind' | 'config' | 'model' | 'name'>): string {
  return typeof m.name === 'string' && m.name.trim() ? m.name.trim() : defaultRunName(m);
}

/** `name`, or `name #2`, `#3`... when another run already has it. */
export function uniqueRunName(name: string, taken: Iterable<string>): string {
  const set = new Set(taken);
  if (!set.has(name)) return name;
  for (let i = 2; ; i++) if (!set.has(`${name} #${i}`)) return `${name} #${i}`;
}
