/**
 * Engine-wide per-plugin concurrency (PluginDefinition.concurrency). Non-blocking: a task
 * that finds its plugin busy is parked by its executor (keeping the execution's own slots
 * free for other plugins' tasks) and retried when a slot is released.
 */
export class PluginLimiter {
  private readonly running = new Map<string, number>();
  private readonly listeners = new Set<(plugin: string) => void>();

  constructor(private readonly limits: ReadonlyMap<string, number>) {}

  tryAcquire(plugin: string): boolean {
    const limit = this.limits.get(plugin);
    const n = this.running.get(plugin) ?? 0;
    if (limit !== undefined && n >= limit) return false;
    this.running.set(plugin, n + 1);
    return true;
  }

  canAcquire(plugin: string): boolean {
    const limit = this.limits.get(plugin);
    return limit === undefined || (this.running.get(plugin) ?? 0) < limit;
  }

  release(plugin: string): void {
    this.running.set(plugin, Math.max(0, (this.running.get(plugin) ?? 0) - 1));
    for (const l of this.listeners) l(plugin);
  }

  /** Called after every release; returns an unsubscribe function. */
  onRelease(listener: (plugin: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  inUse(plugin: string): number {
    return this.running.get(plugin) ?? 0;
  }
}
