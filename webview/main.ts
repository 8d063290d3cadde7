// The results panel's browser app. It shares only types from src/protocol.
import type { LogLine } from '../src/protocol';

const root = document.getElementById('app');
if (root) {
  const line: LogLine = { level: 'info', message: 'Results panel ready.' };
  root.textContent = line.message;
}
