// Imports a user's dataset: a folder with one sub-folder per label (like txt_sentoken/pos, neg), a CSV/TSV file
// with a header row, or JSON Lines. Every problem is a DatasetError with a one-line message naming the file, the
// line and the fix; softer findings (Latin-1 fallback, duplicated texts) come back as warnings.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { duplicateWarning, findDuplicates, findLabelTypos, listSome } from './checks';
import { parseDelimited } from './csv';
import { decodeText, type Encoding } from './decode';
import { datasetHash } from './hash';
import { DatasetError, type Dataset, type Example } from './types';

export type ImportFormat = 'folder' | 'csv' | 'tsv' | 'jsonl' | 'json';

export interface ImportOptions {
  /** Default: a folder is 'folder'; .csv, .tsv/.tab, .jsonl/.ndjson, .json (an array of objects) by extension. */
  format?: ImportFormat;
  /** Column (CSV/TSV header name or JSONL key) holding the text; default: the first of TEXT_COLUMNS present. */
  textColumn?: string;
  /** Column holding the label; default: the first of LABEL_COLUMNS present. */
  labelColumn?: string;
  /** Column holding a unique id; default: "id" when present and unique, else the row number ("row12"). */
  idColumn?: string;
  /** Maps raw label values to label names, e.g. {"1": "pos", "0": "neg"} or {"positive": "pos"}. */
  labelMap?: Record<string, string>;
  /** The label names in order (Example.label indexes it); default: sorted (numerically when all are numbers). */
  labels?: string[];
  /** 'auto' (default): UTF-8, falling back to Latin-1 with a warning when the bytes are not valid UTF-8. */
  encoding?: Encoding;
  id?: string;
  name?: string;
  /** Accept a file whose examples all share one label (an evaluation file; pass `labels` too). Default false. */
  allowSingleClass?: boolean;
}

export interface ImportResult {
  dataset: Dataset;
  warnings: string[];
}

/** Names tried, case-insensitively, when no column is given. */
export const TEXT_COLUMNS = ['text', 'review', 'sentence', 'content', 'document', 'body', 'comment', 'tweet', 'utterance', 'review_text', 'text_a'];
export const LABEL_COLUMNS = ['label', 'sentiment', 'class', 'category', 'target', 'polarity', 'labels', 'y', 'rating_label'];

/** A row before labels are resolved; `where` is "file line N" or a file path, for messages. */
interface RawRow {
  id: string;
  text: string;
  label: string;
  where: string;
  line?: number;
}

export function detectFormat(path: string): ImportFormat {
  if (statSync(path).isDirectory()) return 'folder';
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.json') return 'json';
  throw new DatasetError(`${path}: unknown file type "${ext || '(none)'}"; use a .csv, .tsv, .jsonl or .json file or a folder with one sub-folder per label (or say the format with --format csv|tsv|jsonl|json)`);
}

export function importDataset(path: string, opts: ImportOptions = {}): ImportResult {
  const abs = resolve(path);
  if (!existsSync(abs)) {
    throw new DatasetError(`${path}: no such file or folder; give a CSV, TSV or JSONL file or a folder with one sub-folder per label (e.g. data/pos, data/neg)`);
  }
  const format = opts.format ?? detectFormat(abs);
  const warnings: string[] = [];
  const notes: string[] = [`format: ${format}`];
  let rows: RawRow[];
  if (format === 'folder') {
    rows = readFolder(abs, opts, warnings);
  } else {
    const decoded = decodeText(readFileSync(abs), path, opts.encoding);
    if (decoded.warning) warnings.push(decoded.warning);
    notes.push(`encoding: ${decoded.encoding}`);
    rows = format === 'jsonl' ? readJsonl(decoded.text, path, opts, notes)
      : format === 'json' ? readJsonArray(decoded.text, path, opts, notes)
        : readDelimited(decoded.text, format === 'tsv' ? '\t' : ',', path, opts, notes);
  }
  const id = opts.id ?? basename(abs).replace(/\.(csv|tsv|tab|jsonl|ndjson|json)$/i, '');
  return buildDataset(rows, { ...opts, id, name: opts.name ?? id, source: abs, notes }, path, warnings);
}

function readFolder(dir: string, opts: ImportOptions, warnings: string[]): RawRow[] {
  const entries = readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
  const sub = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  if (sub.length === 0) {
    throw new DatasetError(`${dir} has no sub-folders; put each class's .txt files in a sub-folder named after its label (e.g. ${join(dir, 'pos')}, ${join(dir, 'neg')})`);
  }
  const loose = entries.filter((e) => e.isFile()).length;
  if (loose > 0) warnings.push(`${dir}: ${loose} file(s) directly in the folder were ignored; only files inside the label sub-folders are read`);
  const rows: RawRow[] = [];
  const latin1: string[] = [];
  for (const label of sub) {
    const files = readdirSync(join(dir, label), { withFileTypes: true }).filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name).sort();
    for (const f of files) {
      const file = join(dir, label, f);
      const d = decodeText(readFileSync(file), file, opts.encoding);
      if (d.warning) latin1.push(join(label, f));
      rows.push({ id: `${label}/${f.replace(/\.[^.]*$/, '')}`, text: d.text, label, where: file });
    }
  }
  // One line for all of them: a Latin-1 corpus would otherwise give one warning per file.
  if (latin1.length) warnings.push(`${dir}: ${latin1.length} file(s) are not valid UTF-8 (${listSome(latin1, 3)}); read them as Latin-1 (Windows-1252); pass --encoding utf-8 to make this an error`);
  return rows;
}

function pickColumn(available: string[], wanted: string | undefined, defaults: string[], what: 'text' | 'label', file: string): string {
  const found = available.map((c) => `"${c}"`).join(', ');
  if (wanted !== undefined) {
    if (available.includes(wanted)) return wanted;
    const ci = available.find((c) => c.toLowerCase() === wanted.toLowerCase());
    if (ci) return ci;
    throw new DatasetError(`${file} line 1: no column "${wanted}" (columns found: ${found}); pass one of those with --${what}-column`);
  }
  for (const d of defaults) {
    const c = available.find((a) => a.trim().toLowerCase() === d);
    if (c !== undefined) return c;
  }
  throw new DatasetError(`${file} line 1: no ${what} column (columns found: ${found}; looked for ${defaults.slice(0, 6).join('/')}); name it with --${what}-column`);
}

function readDelimited(text: string, delim: string, file: string, opts: ImportOptions, notes: string[]): RawRow[] {
  // Spreadsheets in many locales export "CSV" with semicolons: a header line with ';' and no ',' means that.
  const firstLine = text.slice(0, text.search(/\r|\n|$/));
  if (delim === ',' && !firstLine.includes(',') && firstLine.includes(';')) {
    delim = ';';
    notes.push('delimiter: semicolon');
  }
  const records = parseDelimited(text, delim, file);
  if (records.length === 0) throw new DatasetError(`${file}: the file is empty; it needs a header row (e.g. text${delim === '\t' ? '<TAB>' : ','}label) and one row per example`);
  const header = records[0].fields.map((h) => h.trim());
  if (header.length === 1 && delim === ',' && header[0].includes('\t')) {
    throw new DatasetError(`${file} line 1: the header has tabs but no commas; it looks tab-separated: rename it to .tsv or pass --format tsv`);
  }
  const textCol = pickColumn(header, opts.textColumn, TEXT_COLUMNS, 'text', file);
  const labelCol = pickColumn(header, opts.labelColumn, LABEL_COLUMNS, 'label', file);
  const ti = header.indexOf(textCol);
  const li = header.indexOf(labelCol);
  const ii = idColumnIndex(header, records.slice(1).map((r) => r.fields), opts.idColumn, file);
  notes.push(`columns: text="${textCol}", label="${labelCol}"${ii >= 0 ? `, id="${header[ii]}"` : ''}`);
  return records.slice(1).map((r, k) => {
    if (r.fields.length !== header.length) {
      throw new DatasetError(`${file} line ${r.line}: ${r.fields.length} field(s) but the header has ${header.length}; quote fields that contain "${delim === '\t' ? '\\t' : delim}" or line breaks ("like, this")`);
    }
    return { id: ii >= 0 ? r.fields[ii] : `row${k + 1}`, text: r.fields[ti], label: r.fields[li].trim(), where: `${file} line ${r.line}`, line: r.line };
  });
}

function idColumnIndex(header: string[], rows: string[][], wanted: string | undefined, file: string): number {
  const i = wanted !== undefined ? header.indexOf(wanted) : header.findIndex((h) => h.toLowerCase() === 'id');
  if (wanted !== undefined && i < 0) {
    throw new DatasetError(`${file} line 1: no column "${wanted}" (columns found: ${header.map((c) => `"${c}"`).join(', ')}); pass one of those with --id-column`);
  }
  if (i < 0) return -1;
  const seen = new Set<string>();
  for (const r of rows) {
    const v = r[i] ?? '';
    if (v === '' || seen.has(v)) {
      if (wanted !== undefined) throw new DatasetError(`${file}: id column "${wanted}" has ${v === '' ? 'an empty' : `a repeated value "${v}"`}; ids must be unique (leave --id-column out to number the rows)`);
      return -1; // an auto-detected "id" column that is not unique is not an id: fall back to row numbers
    }
    seen.add(v);
  }
  return i;
}

function readJsonl(text: string, file: string, opts: ImportOptions, notes: string[]): RawRow[] {
  const objs: { at: number; o: Record<string, unknown> }[] = [];
  text.split(/\r?\n/).forEach((l, k) => {
    if (l.trim() === '') return;
    let o: unknown;
    try {
      o = JSON.parse(l);
    } catch (e) {
      throw new DatasetError(`${file} line ${k + 1}: not valid JSON (${(e as Error).message.split('\n')[0]}); each line must be one JSON object like {"text": "...", "label": "pos"}`);
    }
    objs.push({ at: k + 1, o: asObject(o, `${file} line ${k + 1}`) });
  });
  if (objs.length === 0) throw new DatasetError(`${file}: no examples (the file has no JSON lines); add one object per line like {"text": "...", "label": "pos"}`);
  return objectRows(objs, 'line', file, opts, notes);
}

/** A .json file: an array of objects, or an object holding one such array (e.g. {"data": [...]}). */
function readJsonArray(text: string, file: string, opts: ImportOptions, notes: string[]): RawRow[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    const more = /^\s*\{[^\n]*\}\s*\n\s*\{/.test(text) ? ' (it looks like JSON Lines: rename it to .jsonl)' : '';
    throw new DatasetError(`${file}: not valid JSON (${(e as Error).message.split('\n')[0]})${more}; give an array of objects like [{"text": "...", "label": "pos"}]`);
  }
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const arrays = Object.entries(v as Record<string, unknown>).filter(([, x]) => Array.isArray(x));
    if (arrays.length === 1) {
      notes.push(`examples from key "${arrays[0][0]}"`);
      v = arrays[0][1];
    }
  }
  if (!Array.isArray(v)) throw new DatasetError(`${file}: expected an array of objects like [{"text": "...", "label": "pos"}], found ${v === null ? 'null' : typeof v}`);
  if (v.length === 0) throw new DatasetError(`${file}: no examples (the array is empty); add objects like {"text": "...", "label": "pos"}`);
  return objectRows(v.map((o, k) => ({ at: k + 1, o: asObject(o, `${file} item ${k + 1}`) })), 'item', file, opts, notes);
}

function asObject(o: unknown, where: string): Record<string, unknown> {
  if (!o || typeof o !== 'object' || Array.isArray(o)) {
    throw new DatasetError(`${where}: expected a JSON object like {"text": "...", "label": "pos"}, found ${Array.isArray(o) ? 'an array' : o === null ? 'null' : typeof o}`);
  }
  return o as Record<string, unknown>;
}

/** Rows from JSON objects (JSONL lines or array items); `unit` names the position in messages. */
function objectRows(objs: { at: number; o: Record<string, unknown> }[], unit: 'line' | 'item', file: string, opts: ImportOptions, notes: string[]): RawRow[] {
  const keys = Object.keys(objs[0].o);
  const textCol = pickColumn(keys, opts.textColumn, TEXT_COLUMNS, 'text', file);
  const labelCol = pickColumn(keys, opts.labelColumn, LABEL_COLUMNS, 'label', file);
  const idCol = opts.idColumn ?? (keys.includes('id') && new Set(objs.map((x) => String(x.o.id))).size === objs.length ? 'id' : undefined);
  notes.push(`keys: text="${textCol}", label="${labelCol}"${idCol ? `, id="${idCol}"` : ''}`);
  const seen = new Set<string>();
  return objs.map(({ at, o }, k) => {
    const where = `${file} ${unit} ${at}`;
    for (const [col, what] of [[textCol, 'text'], [labelCol, 'label']] as const) {
      if (!(col in o) || o[col] === null || typeof o[col] === 'object') {
        throw new DatasetError(`${where}: ${col in o ? `"${col}" is not a ${what === 'text' ? 'string' : 'string or number'}` : `no "${col}" key (keys found: ${Object.keys(o).join(', ')})`}; every ${unit === 'line' ? 'line' : 'object'} needs "${textCol}" and "${labelCol}"`);
      }
    }
    const id = idCol ? String(o[idCol] ?? '') : `row${k + 1}`;
    if (idCol && (id === '' || seen.has(id))) throw new DatasetError(`${where}: id "${id}" is empty or repeated; ids must be unique (leave --id-column out to number the rows)`);
    seen.add(id);
    return { id, text: String(o[textCol]), label: String(o[labelCol]).trim(), where, line: unit === 'line' ? at : undefined };
  });
}

const isNumber = (s: string) => /^-?\d+(\.\d+)?$/.test(s);

/** Resolves labels, runs the checks and hashes: shared by every import format. */
export function buildDataset(
  rows: RawRow[],
  meta: ImportOptions & { id: string; name: string; source: string; notes: string[] },
  file: string,
  warnings: string[],
): ImportResult {
  if (rows.length === 0) {
    throw new DatasetError(`${file}: no examples found; ${meta.format === 'folder' ? 'put .txt files in the label sub-folders' : 'add one row per example below the header'}`);
  }
  const empty = rows.filter((r) => r.text.trim() === '');
  if (empty.length > 0) {
    const at = empty.map((r) => (r.line !== undefined ? r.line : r.where));
    throw new DatasetError(`${file}: ${empty.length} empty text(s) at ${empty[0].line !== undefined ? 'line(s) ' : ''}${listSome(at)}; fill them in or delete those ${empty[0].line !== undefined ? 'rows' : 'files'}`);
  }
  const emptyLabel = rows.find((r) => r.label === '');
  if (emptyLabel) throw new DatasetError(`${emptyLabel.where}: empty label; give every example a label or delete the row`);

  const mapped = rows.map((r) => meta.labelMap?.[r.label] ?? r.label);
  if (meta.labelMap) {
    const raw = new Set(rows.map((r) => r.label));
    const unused = Object.keys(meta.labelMap).filter((k) => !raw.has(k));
    if (unused.length) warnings.push(`${file}: label map entr${unused.length === 1 ? 'y' : 'ies'} ${unused.map((k) => `"${k}=${meta.labelMap![k]}"`).join(', ')} matched no row (labels found: ${listSome([...raw].map((l) => `"${l}"`), 8)}); check the spelling of --label-map`);
  }
  const counts = new Map<string, number>();
  for (const l of mapped) counts.set(l, (counts.get(l) ?? 0) + 1);

  let labels: string[];
  if (meta.labels) {
    labels = meta.labels.slice();
    const k = mapped.findIndex((l) => !labels.includes(l));
    if (k >= 0) throw new DatasetError(`${rows[k].where}: label "${mapped[k]}" is not one of ${labels.map((l) => `"${l}"`).join(', ')}; fix the row or map it with --label-map "${mapped[k]}=<label>"`);
  } else {
    const typos = findLabelTypos(counts);
    if (typos.length > 0) {
      const t = typos[0];
      const lines = rows.filter((_, i) => mapped[i] === t.value).map((r) => (r.line !== undefined ? r.line : r.where));
      throw new DatasetError(`${file}: label "${t.value}" (${t.count}x, at ${rows[0].line !== undefined ? 'line ' : ''}${listSome(lines, 5)}) ${t.value.toLowerCase() === t.likely.toLowerCase() ? 'differs only in letter case from' : 'looks like a typo of'} "${t.likely}" (${t.likelyCount}x); correct it or map it with --label-map "${t.value}=${t.likely}"`);
    }
    labels = [...counts.keys()].sort((a, b) => (isNumber(a) && isNumber(b) ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
  }
  if (counts.size < 2 && !meta.allowSingleClass) {
    throw new DatasetError(`${file}: every example has the label "${mapped[0]}"; a classifier needs at least two classes: add examples of the other class(es)${meta.format === 'folder' ? ' in their own sub-folders' : ''}`);
  }
  const seenIds = new Map<string, string>();
  const examples: Example[] = rows.map((r, i) => {
    const prev = seenIds.get(r.id);
    if (prev) throw new DatasetError(`${r.where}: id "${r.id}" repeats ${prev}; ids must be unique`);
    seenIds.set(r.id, r.where);
    return { id: r.id, text: r.text, label: labels.indexOf(mapped[i]) };
  });
  const dup = duplicateWarning(file, findDuplicates(examples));
  if (dup) warnings.push(dup);
  const labelNote = meta.labelMap ? [`label map: ${Object.entries(meta.labelMap).map(([a, b]) => `${a}=${b}`).join(', ')}`] : [];
  return {
    dataset: {
      id: meta.id,
      name: meta.name,
      labels,
      examples,
      hash: datasetHash({ labels, examples }),
      provenance: { source: meta.source, notes: [...meta.notes, ...labelNote, `counts: ${labels.map((l) => `${l}=${counts.get(l) ?? 0}`).join(', ')}`] },
    },
    warnings,
  };
}

/** A parsed "a=b,c=d" label map (the CLI's --label-map), as ImportOptions.labelMap. */
export function parseLabelMap(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec.split(',')) {
    const m = /^\s*([^=]+?)\s*=\s*(.+?)\s*$/.exec(part);
    if (!m) throw new DatasetError(`label map "${spec}": "${part}" is not raw=label; write it like --label-map "positive=pos,negative=neg"`);
    out[m[1]] = m[2];
  }
  return out;
}
