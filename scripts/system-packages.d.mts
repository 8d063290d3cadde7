// Types of system-packages.mjs for the TypeScript tests.
export interface SystemPackage {
  name: string;
  why: string;
  minMajor?: number;
  fromBackports?: string[];
}
export interface MissingPackage extends SystemPackage {
  have: string;
}
export interface SourceEntry {
  format: 'deb822' | 'line';
  types: string[];
  uris: string[];
  suites: string[];
  text: string;
}
export const SYSTEM_PACKAGES: SystemPackage[];
export function parseDpkgQuery(text: string): Map<string, string>;
export function majorOf(version: string): number;
export function missingPackages(installed: Map<string, string>, fakeMissing?: string[], list?: SystemPackage[]): MissingPackage[];
export function parseSources(files: { path: string; text: string }[]): SourceEntry[];
export function backportsEntry(entries: SourceEntry[], codename: string, suite: string): { file: string; text: string } | undefined;
export function shQuote(s: string): string;
export function installPlan(
  missing: MissingPackage[],
  codename: string,
  entries: SourceEntry[],
): { commands: string[]; error?: undefined } | { error: string; commands?: undefined };
export function missingLine(missing: MissingPackage[], commands: string[], opts?: { sudo?: boolean }): string;
