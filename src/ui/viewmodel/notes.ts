// Notes on single test examples of a run, typed in the misclassified-review browser and kept with the run:
// <runDir>/notes.json = { version: 1, notes: { <example id>: { text, updatedAt } } }. Written atomically (a temp
// file in the same folder, then rename) so a crash never leaves half a file; no other file of the run is touched.
// No vscode import.
import { existsSync, readFileSync } from 'node:fs';
import { runFile, writeJsonAtomic } from '../../shared/node/runFiles';
import { RUN_FILES } from '../../shared/runLayout';

export const NOTES_FILE = RUN_FILES.notes;

export interface NotesFile {
  version: 1;
  notes: Record<string, { text: string; updatedAt: string }>;
}

/** The notes of a run by example id; error (one line) when notes.json exists but cannot be read. */
export function readNotes(runDir: string): { notes: Record<string, string>; error?: string } {
  const path = runFile(runDir, 'notes');
  if (!existsSync(path)) return { notes: {} };
  try {
    const file = JSON.parse(readFileSync(path, 'utf8')) as Partial<NotesFile>;
    const notes: Record<string, string> = {};
    for (const [id, n] of Object.entries(file.notes ?? {})) if (typeof n?.text === 'string') notes[id] = n.text;
    return { notes };
  } catch (e) {
    return { notes: {}, error: `${path} is not valid JSON (${e instanceof Error ? e.message : String(e)}): fix or move it; notes are not saved until then.` };
  }
}

/**
 * Sets the note of one example (empty or blank text removes it) and rewrites notes.json atomically. Refuses to
 * overwrite a notes.json it cannot parse: the notes in it would be lost.
 */
export function saveNote(runDir: string, id: string, text: string, now = new Date()): string {
  const path = runFile(runDir, 'notes');
  let file: NotesFile = { version: 1, notes: {} };
  if (existsSync(path)) {
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<NotesFile>;
      file = { version: 1, notes: { ...(parsed.notes ?? {}) } };
    } catch {
      throw new Error(`${path} is not valid JSON: fix or move it, then type the note again (nothing was overwritten).`);
    }
  }
  const savedAt = now.toISOString();
  if (text.trim() === '') delete file.notes[id];
  else file.notes[id] = { text, updatedAt: savedAt };
  writeJsonAtomic(path, file);
  return savedAt;
}
