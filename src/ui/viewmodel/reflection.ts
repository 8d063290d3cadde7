// The pure parts of "Write Reflection" (no vscode import): which file name to write without overwriting one the
// person already has, and the one-line summary shown when the host has written the document.
import type { ReflectionResult } from '../../protocol';
import { pct } from '../../shared/format';

export const REFLECTION_FILE = 'REFLECTION.md';

/** REFLECTION.md, else the first free REFLECTION-2.md, REFLECTION-3.md, ... */
export function freeReflectionName(exists: (name: string) => boolean): string {
  if (!exists(REFLECTION_FILE)) return REFLECTION_FILE;
  for (let i = 2; ; i++) {
    const name = `REFLECTION-${i}.md`;
    if (!exists(name)) return name;
  }
}

/** One line: what the reflection compares, e.g. "TF-IDF + logistic regression 88.8% (85.5–91.8), ...". */
export function reflectionSummary(r: ReflectionResult): string {
  const runs = r.runs.map((x) => `${x.title} ${pct(x.accuracy)} (95% CI ${pct(x.accuracyCI[0])}–${pct(x.accuracyCI[1])})`).join(', ');
  const left = r.excluded.length ? `; ${r.excluded.length} run${r.excluded.length === 1 ? '' : 's'} not compared (see the file)` : '';
  return `Reflection on ${r.runs.length} run${r.runs.length === 1 ? '' : 's'} of split ${r.splitHash.slice(0, 8)}: ${runs}${left}.`;
}

/** The one-line reason no document is written when the host found nothing to compare. */
export function nothingToReflectOn(r: ReflectionResult, runsRoot: string): string {
  const why = r.excluded.length
    ? ` (${r.excluded
        .slice(0, 3)
        .map((e) => `${e.id}: ${e.reason}`)
        .join('; ')}${r.excluded.length > 3 ? '; …' : ''})`
    : '';
  return `No completed run with test predictions in ${runsRoot}${why}: run a baseline and a fine-tuning run first; nothing was written.`;
}
