// Numbers and durations as people read them, one wording for the CLI, the reports, the extension and the webview.

/** A share as a percentage: pct(0.8765) = "87.7%"; "–" for a missing or non-finite value. */
export function pct(x: number | null | undefined, digits = 1): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : '–';
}

/** Items as an English list: "a", "a and b", "a, b and c". */
export function listText(items: readonly string[]): string {
  return items.length <= 2 ? items.join(' and ') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** A difference of two shares in percentage points with its sign: points(0.012) = "+1.2", points(-0.03) = "−3.0". */
export function points(x: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)}`;
}

/** A measured duration as a clock reads it: "42s", "3m 05s", "1h 02m"; "" when unknown. */
export function clockDuration(ms: number | undefined): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** An estimate in seconds, rounded as an estimate deserves: "42 s", "50 min", "1 h 30 min"; "unknown" when not finite. */
export function roughDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return 'unknown';
  if (s < 90) return `${Math.max(1, Math.round(s))} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  const h = Math.floor(s / 3600);
  const m = Math.round((s - h * 3600) / 60);
  return m === 60 ? `${h + 1} h` : `${h} h ${m} min`;
}

/** A measured time in seconds, one decimal below ten: "4.2 s", "42 s", "12.5 min", "1.6 h". */
export function secondsDuration(s: number): string {
  return s < 90 ? `${s.toFixed(s < 10 ? 1 : 0)} s` : s < 5400 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`;
}

/** A duration in a table of results, one decimal: "12.3 s", "4.5 min"; "–" when unknown. */
export function decimalDuration(ms: number | undefined): string {
  return ms === undefined ? '–' : ms < 60000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60000).toFixed(1)} min`;
}
