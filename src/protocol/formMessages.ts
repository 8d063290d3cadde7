// Messages between the extension and the "Fine-tune" form's webview (webview/form.ts). Types only. The extension
// owns the fields, defaults, explanations and validation (src/ui/viewmodel/fineTuneForm.ts); the webview renders
// them and reports what the person typed and pressed.

/** The form's settings by key, as the inputs hold them (strings; the view model parses and checks them). */
export type FormValues = Record<string, string>;

export interface FormOption {
  value: string;
  label: string;
  /** One line shown under the choice list when this option is selected. */
  description?: string;
  /** Choosing this option sets these other fields (a preset of settings). */
  applies?: FormValues;
}

export interface FormField {
  key: string;
  label: string;
  /** One line in plain words: what the setting does and when to change it. */
  help: string;
  kind: 'number' | 'select' | 'text';
  options?: FormOption[];
  default: string;
  min?: number;
  max?: number;
  step?: string;
  /** Shown only when another field has one of these values (e.g. sentences per text for 'sentence-mean'). */
  showWhen?: { key: string; values: string[] };
  /** Section heading the field belongs to. */
  group: 'What to train' | 'Long texts' | 'Training' | 'Where it runs';
  /** Offer a "Browse…" button that picks a folder into this field. */
  browse?: boolean;
}

/** The pre-flight estimate, formatted for the form. */
export interface EstimateView {
  /** e.g. "31.7 min" */
  perEpoch: string;
  total: string;
  memory: string;
  /** label / value rows, in order; details: lines shown on demand under the value (e.g. why not the GPU). */
  rows: { label: string; value: string; details?: { summary: string; lines: string[] } }[];
  notes: string[];
  /** Machine-readable numbers for tests and screen readers. */
  secondsPerEpoch: number;
  totalSeconds: number;
  peakRssMiB: number;
}

export type ToForm =
  | { type: 'init'; fields: FormField[]; values: FormValues }
  | { type: 'values'; values: FormValues }
  | { type: 'errors'; errors: Record<string, string> }
  /** Accepted settings that will not do what they say (e.g. a max length above the model's cap), by field. */
  | { type: 'warnings'; warnings: Record<string, string> }
  | { type: 'busy'; what: 'estimate' | 'start' | 'search'; message: string }
  | { type: 'estimate'; estimate: EstimateView }
  /** The form's run started: Start stays disabled until it ends (no silent duplicate). */
  | { type: 'started'; runId: string; message: string }
  /** The form's run ended (completed, failed or cancelled): Start is available again. */
  | { type: 'ended'; runId: string; status: string; message: string }
  /** Nothing of this form is starting or running: Start is enabled. */
  | { type: 'idle' }
  | { type: 'failed'; what: 'estimate' | 'start' | 'search'; message: string }
  /** The form's search ended: `name` is its folder under the runs root (the trials view opens it). */
  | { type: 'searchEnded'; name: string; status: string; message: string };

export type FromForm =
  | { type: 'ready' }
  | { type: 'estimate'; values: FormValues }
  | { type: 'start'; values: FormValues }
  /** "Search…": the form's values are the fixed settings; the searched ones are sampled within the budget (minutes). */
  | { type: 'search'; values: FormValues; budgetMinutes: string }
  | { type: 'openSearch'; name: string }
  | { type: 'reset' }
  /** A field changed: the extension answers with the warnings for the new values. */
  | { type: 'changed'; values: FormValues }
  | { type: 'browse'; key: string }
  | { type: 'openResults'; runId: string };
