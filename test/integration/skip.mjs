// A test that cannot run here says so: skip(reason) ends it as skipped, and the runners count it as skipped with
// its reason in their summaries (never as passed). The extension-host suite has its own (suite/util.ts: skip).
export class Skip extends Error {
  constructor(reason) {
    super(reason);
    this.name = 'Skip';
  }
}

/** Ends the current test as skipped, with the reason. */
export function skip(reason) {
  throw new Skip(reason);
}

/** Whether a caught error is a skip (also one thrown from another bundle: matched by name). */
export function isSkip(e) {
  return e instanceof Error && e.name === 'Skip';
}
