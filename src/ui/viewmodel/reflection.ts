// REFLECTION.md's starting text: the completed runs' numbers and the chapter's questions. No vscode import.
import { comparisonTable } from './comparison';
import type { RunListing } from './runFiles';

/** REFLECTION.md with the measured numbers filled in and the questions the chapter asks. */
export function reflectionTemplate(runs: RunListing[]): string {
  const t = comparisonTable(runs.filter((r) => r.manifest.status === 'completed'));
  const table = t.rows.length
    ? [`| ${t.columns.join(' | ')} |`, `|${t.columns.map(() => ' --- ').join('|')}|`, ...t.rows.map((r) => `| ${r.cells.join(' | ')} |`)].join('\n')
    : '_No completed runs yet._';
  return `# Reflection

## Results

${table}

${t.notes.map((n) => `- ${n}`).join('\n')}

## Questions

1. Did fine-tuning beat the TF-IDF baseline by more than the confidence intervals? What does that say about the task?
2. Which mistakes was the model most confident about (Results → Mistakes)? Are they label noise, sarcasm, long reviews cut short?
3. How did truncation (only the first tokens of each review) affect the result?
4. What would you change next, and what would you measure to know it helped?
`;
}
