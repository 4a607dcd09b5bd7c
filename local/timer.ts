import type { BusEntry, Clock, Timer } from '../shared/ports';

/**
 * The embedded stand-in for EventBridge Scheduler: one-time schedules that put their event on the
 * bus at their time, then delete themselves. A schedule in the past fires at once.
 */
export class LocalTimer implements Timer {
  private readonly pending = new Map<string, NodeJS.Timeout>();
  /** In-process timers fire on time (a busy event loop delays them by milliseconds). */
  readonly latenessMs = 0;

  constructor(
    private readonly put: (entry: BusEntry) => void,
    private readonly clock: Clock = { now: () => new Date() },
  ) {}

  async schedule({ name, at, entry }: { name: string; at: Date; entry: BusEntry }): Promise<void> {
    if (this.pending.has(name)) return;
    const delay = Math.max(0, at.getTime() - this.clock.now().getTime());
    const handle = setTimeout(() => {
      this.pending.delete(name);
      this.put(entry);
    }, delay);
    this.pending.set(name, handle);
  }

  async cancel(name: string): Promise<void> {
    const handle = this.pending.get(name);
    if (handle) clearTimeout(handle);
    this.pending.delete(name);
  }

  /** Names of schedules that have not fired. */
  get scheduled(): string[] {
    return [...this.pending.keys()];
  }

  stop(): void {
    for (const handle of this.pending.values()) clearTimeout(handle);
    this.pending.clear();
  }
}
