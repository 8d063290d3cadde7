// RFC 4180 delimited-text parser (CSV, TSV): quoted fields with embedded delimiters, newlines and doubled quotes;
// CRLF, LF or CR line ends. Each record carries the 1-based line it starts on, so errors can name it.
import { DatasetError } from './types';

export interface DelimitedRecord {
  line: number;
  fields: string[];
}

export function parseDelimited(text: string, delimiter: string, file: string): DelimitedRecord[] {
  const out: DelimitedRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  let atFieldStart = true;
  const n = text.length;
  const endRecord = () => {
    fields.push(field);
    // A blank line (one empty field) is not a record.
    if (!(fields.length === 1 && fields[0] === '')) out.push({ line: recordLine, fields });
    fields = [];
    field = '';
    atFieldStart = true;
  };
  while (i < n) {
    const c = text[i];
    if (atFieldStart && c === '"') {
      const startLine = line;
      i++;
      for (;;) {
        if (i >= n) throw new DatasetError(`${file} line ${startLine}: a quoted field is never closed; add the closing " (inside quotes, write a quote as "")`);
        const d = text[i];
        if (d === '"') {
          if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
          i++;
          break;
        }
        if (d === '\n' || (d === '\r' && text[i + 1] !== '\n')) line++;
        field += d;
        i++;
      }
      atFieldStart = false;
      const e = text[i];
      if (i < n && e !== delimiter && e !== '\n' && e !== '\r') {
        throw new DatasetError(`${file} line ${line}: unexpected text after a closing quote; quote the whole field and write inner quotes as ""`);
      }
      continue;
    }
    if (c === delimiter) { fields.push(field); field = ''; atFieldStart = true; i++; continue; }
    if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    field += c;
    atFieldStart = false;
    i++;
  }
  if (field !== '' || fields.length > 0) endRecord();
  return out;
}
