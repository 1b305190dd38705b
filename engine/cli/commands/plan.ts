/**
 * `trellis plan FILE [-i inputs] [--json]`: compile a blueprint with deployment inputs and
 * print what a deployment of it would consist of: nodes, node instances, relationship
 * instances and the order nodes install in. Exit code 1 when the blueprint has errors.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { compile } from '../../dsl/index';
import type { Plan } from '../../dsl/plan-model';
import { cliResolver, collect, formatProblemLine, readInputs } from '../compile-support';

interface PlanOptions {
  json?: boolean;
  input?: string[];
}

/** Left-aligned columns separated by two spaces, with a header row and a rule under it. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The human-readable form of a plan. */
export function formatPlan(plan: Plan): string {
  const count = new Map<string, number>();
  for (const inst of plan.instances) count.set(inst.node, (count.get(inst.node) ?? 0) + 1);
  const out: string[] = [];
  out.push(`Nodes (${plan.nodes.length})`);
  out.push(
    formatTable(
      ['NAME', 'TYPE', 'INSTANCES', 'CONTAINED IN', 'HOST'],
      plan.nodes.map((n) => [n.name, n.type, String(count.get(n.name) ?? 0), n.containedIn ?? '-', n.host ?? '-']),
    ),
  );
  out.push('', `Node instances (${plan.instances.length})`);
  out.push(
    formatTable(
      ['ID', 'NODE', 'CONTAINER', 'HOST', 'SCALING GROUPS'],
      plan.instances.map((i) => [
        i.id,
        i.node,
        i.containerId ?? '-',
        i.hostId ?? '-',
        i.scalingGroups.map((g) => g.id).join(', ') || '-',
      ]),
    ),
  );
  const groups = Object.values(plan.scalingGroups);
  if (groups.length > 0) {
    const bound = (n: number) => (n < 0 ? 'unbounded' : String(n));
    out.push('', `Scaling groups (${groups.length})`);
    out.push(
      formatTable(
        ['NAME', 'MEMBERS', 'DEFAULT', 'MIN', 'MAX'],
        groups.map((g) => [
          g.name,
          g.members.join(', '),
          String(g.properties.defaultInstances),
          String(g.properties.minInstances),
          bound(g.properties.maxInstances),
        ]),
      ),
    );
  }
  const rels = plan.instances.flatMap((i) => i.relationships.map((r) => [i.id, r.type, r.targetId]));
  out.push('', `Relationship instances (${rels.length})`);
  out.push(formatTable(['SOURCE', 'TYPE', 'TARGET'], rels));
  out.push('', 'Install order (targets first)');
  out.push(plan.order.map((n, i) => `${String(i + 1).padStart(3)}. ${n}`).join('\n'));
  return out.join('\n');
}

export function register(program: Command): void {
  program
    .command('plan')
    .description('show the node instances, relationship instances and install order of a blueprint')
    .argument('<file>', 'blueprint file')
    .option('-i, --input <file-or-pairs>', 'deployment inputs (YAML file or k=v;k2=v2), repeatable', collect)
    .option('--json', 'print the plan (and any problems) as JSON')
    .action((file: string, options: PlanOptions) => {
      const inputs = readInputs(options.input ?? []);
      const { problems, plan } = compile({ file: resolve(file), resolver: cliResolver(), inputs });
      if (options.json) {
        console.log(JSON.stringify({ problems, plan: plan ?? null }, null, 2));
      } else {
        for (const p of problems) console.error(formatProblemLine(p));
        if (plan) console.log(formatPlan(plan));
      }
      if (!plan) process.exitCode = 1;
    });
}
