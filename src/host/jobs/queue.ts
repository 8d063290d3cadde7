// One job at a time (training saturates the CPU cores); later requests wait their turn. Each job gets its own
// AbortSignal; cancel(runId) aborts the running job of that run, cancel() aborts the running and queued ones.
import { CancelledError, type JobContext, type JobEvents } from '../core';

interface Entry {
  name: string;
  controller: AbortController;
  runId?: string;
  run: () => Promise<void>;
}

export class JobQueue {
  private readonly waiting: Entry[] = [];
  private current: Entry | null = null;

  constructor(private readonly events: JobEvents = {}) {}

  get busy(): boolean {
    return this.current !== null;
  }
  get length(): number {
    return this.waiting.length + (this.current ? 1 : 0);
  }

  enqueue<T>(name: string, job: (ctx: JobContext) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Entry = {
        name,
        controller: new AbortController(),
        run: async () => {
          if (entry.controller.signal.aborted) return reject(new CancelledError());
          const ctx: JobContext = {
            ...this.events,
            signal: entry.controller.signal,
            started: (e) => {
              entry.runId = e.runId;
              this.events.started?.(e);
            },
          };
          try {
            resolve(await job(ctx));
          } catch (err) {
            reject(err);
          }
        },
      };
      this.waiting.push(entry);
      void this.pump();
    });
  }

  cancel(runId?: string): string[] {
    const cancelled: string[] = [];
    if (this.current && (runId === undefined || this.current.runId === runId)) {
      this.current.controller.abort();
      cancelled.push(this.current.runId ?? this.current.name);
    }
    if (runId === undefined) {
      for (const e of this.waiting) {
        e.controller.abort();
        cancelled.push(e.name);
      }
    }
    return cancelled;
  }

  private async pump(): Promise<void> {
    if (this.current) return;
    const next = this.waiting.shift();
    if (!next) return;
    this.current = next;
    try {
      await next.run();
    } finally {
      this.current = null;
      void this.pump();
    }
  }
}
