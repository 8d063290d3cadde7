// Types of test-summary.mjs for the TypeScript tests.
export interface Skipped {
  name: string;
  reason: string;
}
export interface StageSummary {
  passed: number;
  failed: number;
  skipped: number;
  skips: Skipped[];
}
export interface Total extends StageSummary {
  skips: (Skipped & { stage: string })[];
  notRun: string[];
}
export const STAGES: { file: string; label: string }[];
export function tapSummary(text: string): StageSummary;
export function combine(stages: { label: string; summary?: StageSummary }[], rc?: number): Total;
export function closingLine(t: Total): string;
export function detailLines(t: Total): string[];
