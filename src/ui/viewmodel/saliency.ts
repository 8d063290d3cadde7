// Word saliency of a run's misclassified test examples (saliency.jsonl, written by the host: gradient x input summed
// per word, signed, max |score| = 1 per example; positive = toward the predicted class) laid over the example's
// text for the review browser. No vscode import.
import type { SaliencySpan } from '../../protocol/webviewMessages';
import { readJsonl, runFile } from '../../shared/node/runFiles';
import { RUN_FILES } from '../../shared/runLayout';

export const SALIENCY_FILE = RUN_FILES.saliency;

/** One line of saliency.jsonl (the fields the panel reads). */
export interface SaliencyLine {
  id: string;
  words: [string, number][];
}

export function readSaliency(runDir: string): Map<string, [string, number][]> {
  const out = new Map<string, [string, number][]>();
  for (const r of readJsonl<SaliencyLine>(runFile(runDir, 'saliency'))) {
    if (typeof r?.id === 'string' && Array.isArray(r.words))
      out.set(
        r.id,
        r.words.filter((w) => typeof w[0] === 'string' && Number.isFinite(w[1])),
      );
  }
  return out;
}

/** English function words: saliency often lands on them, and they say little about why a review was misread. */
export const FUNCTION_WORDS: ReadonlySet<string> = new Set(
  (
    'a an the and or but nor so yet of to in on at by for with from into onto about as than then there here this that these those ' +
    'is are was were be been being am do does did has have had having will would shall should can could may might must ' +
    'i me my we us our you your he him his she her it its they them their who whom whose which what when where why how ' +
    'not no if because while up down out over under again once all any both each few more most other some such only own same too very just ' +
    "it's that's there's he's she's i'm you're we're they're i've we've they've 's s t 're 've 'll 'd"
  ).split(' '),
);

/** Punctuation only, or a function word: a span the browser may leave unshaded on request. */
export function isMinorWord(word: string): boolean {
  const w = word.toLowerCase().replace(/[\u2018\u2019]/g, "'");
  if (!/[\p{L}\p{N}]/u.test(w)) return true;
  return FUNCTION_WORDS.has(w.replace(/^[^\p{L}\p{N}']+|[^\p{L}\p{N}']+$/gu, ''));
}

/** Words a tokenizer saw may differ from the text (case, accents, dropped characters): compared lower-cased. */
const norm = (s: string) => s.toLowerCase();

/**
 * Splits `text` into plain spans and scored word spans. Each saliency word is looked for after the previous one
 * (within `window` characters); when more than a fifth of the words cannot be found (a tokenizer that rewrites
 * the text), the spans are the saliency words themselves, separated by spaces, so no score is lost.
 */
export function saliencySpans(text: string | undefined, words: readonly [string, number][], window = 400): SaliencySpan[] {
  const scored = (w: string, score: number): SaliencySpan => (isMinorWord(w) ? { text: w, score, minor: true } : { text: w, score });
  const wordsOnly = (): SaliencySpan[] => words.flatMap(([w, s], i) => (i === 0 ? [scored(w, s)] : [{ text: ' ' }, scored(w, s)]));
  if (!text) return wordsOnly();
  const lower = norm(text);
  // Lower-casing changed the length (rare letters such as 'İ'): offsets in `lower` would not fit `text`.
  if (lower.length !== text.length) return wordsOnly();
  const spans: SaliencySpan[] = [];
  let cursor = 0;
  let missed = 0;
  for (const [w, score] of words) {
    const needle = norm(w);
    const at = needle ? lower.indexOf(needle, cursor) : -1;
    if (at < 0 || at - cursor > window) {
      missed++;
      continue;
    }
    if (at > cursor) spans.push({ text: text.slice(cursor, at) });
    spans.push(scored(text.slice(at, at + needle.length), score));
    cursor = at + needle.length;
  }
  if (words.length > 0 && missed > words.length / 5) return wordsOnly();
  if (cursor < text.length) spans.push({ text: text.slice(cursor) });
  return spans;
}
