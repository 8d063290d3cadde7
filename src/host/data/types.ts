// Core data types shared by the built-in dataset, imports, splits and tokenization.

/** One labelled text. `label` indexes Dataset.labels; `fold` is a canonical CV fold (1-based) when the corpus has one. */
export interface Example {
  id: string;
  text: string;
  label: number;
  fold?: number;
}

export interface Dataset {
  /** Stable identifier: 'movie-reviews' for the built-in one, the file/folder name for imports. */
  id: string;
  name: string;
  /** Label names; Example.label is an index into this array. */
  labels: string[];
  examples: Example[];
  /** sha256 of the canonical content (see datasetHash): split manifests pin it. */
  hash: string;
  provenance: Provenance;
}

export interface Provenance {
  /** Where the data came from: a path for imports, the original distribution for the built-in set. */
  source: string;
  citation?: string;
  license?: string;
  /** Free-form facts (format, encoding, column mapping...). */
  notes?: string[];
}

/**
 * A bad input. `message` is ONE line naming the file, the line (where there is one) and the fix, fit to show a
 * person as is (no stack trace).
 */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  constructor(message: string) {
    super(message.replace(/\s*\n\s*/g, ' '));
  }
}
