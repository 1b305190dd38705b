/**
 * Small helpers to assemble a TaskGraph: unique-id bookkeeping and sequential chains whose
 * parallel steps are closed by a noop join, so a step never fans in more than once and the
 * edge count stays O(tasks + relationships).
 */
import type { TaskGraph, TaskSpec } from './task-graph';

export type NewTask = Omit<TaskSpec, 'dependsOn'>;

export class GraphBuilder {
  readonly tasks: TaskSpec[] = [];

  constructor(readonly workflow: string) {}

  /**
   * Adds a task. Ids are not checked for duplicates here (hashing 100k+ fresh id strings
   * dominated the build time); `validateGraph` checks them and every builder test runs it.
   */
  add(task: NewTask, dependsOn: readonly string[]): string {
    const spec = task as TaskSpec;
    spec.dependsOn = dependsOn.slice();
    this.tasks.push(spec);
    return task.id;
  }

  noop(id: string, name: string, dependsOn: readonly string[]): string {
    return this.add({ id, kind: 'noop', name }, dependsOn);
  }

  build(): TaskGraph {
    return { workflow: this.workflow, tasks: this.tasks };
  }
}

/** A sequence of steps; each step waits for the whole previous step. */
export class Chain {
  private tail: string[];
  constructor(
    private readonly builder: GraphBuilder,
    start: readonly string[],
  ) {
    this.tail = [...start];
  }

  /** Adds one task after the current tail (the task object is taken over, not copied). */
  then(task: NewTask): this {
    this.tail = [this.builder.add(task, this.tail)];
    return this;
  }

  /** Adds tasks that run in parallel after the current tail, closed by `joinId` if several. */
  parallel(tasks: readonly NewTask[], joinId: string): this {
    if (tasks.length === 0) return this;
    const ids = tasks.map((t) => this.builder.add(t, this.tail));
    this.tail = ids.length === 1 ? ids : [this.builder.noop(joinId, 'join', ids)];
    return this;
  }

  /** Ends the chain with a task whose id callers may have referenced already. */
  close(id: string, name: string): string {
    return this.builder.noop(id, name, this.tail);
  }
}
