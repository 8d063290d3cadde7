// Texts of a dataset's examples by id, for the misclassified-review browser: predictions.jsonl stores only ids.
// Reads a JSONL file of {id, text, ...} (gzip when the name ends in .gz), e.g. the built-in movie reviews that ship
// in data/. No vscode import.
import { readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const cache = new Map<string, { mtimeMs: number; texts: Map<string, string> }>();

export function loadTexts(path: string): Map<string, string> {
  const mtimeMs = statSync(path).mtimeMs;
  const hit = cache.get(path);
  if (hit && hit.mtimeMs === mtimeMs) return hit.texts;
  const raw = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  const texts = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as { id?: unknown; text?: unknown };
      if (typeof r.id === 'string' && typeof r.text === 'string') texts.set(r.id, r.text);
    } catch {
      // not an example line
    }
  }
  cache.set(path, { mtimeMs, texts });
  return texts;
}
