/**
 * Golden tests: every fixture in test/fixtures/valid compiles to the plan summary in its
 * expected.json, every fixture in test/fixtures/invalid to the problems in its
 * expected-problems.json (code, severity, line, column, path, message fragments).
 *
 * `UPDATE_GOLDEN=1 npx vitest run test/engine/dsl/golden.test.ts` rewrites the expected files
 * from the compiler's output. Review every changed file by hand before committing: the
 * expected files state what the blueprint means, not what the compiler happened to print.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../engine/dsl/index';
import { hasErrors } from '../../../engine/dsl/problem';
import type { Plan } from '../../../engine/dsl/plan-model';
import {
  byPosition,
  fixtureOptions,
  invalidDir,
  listFixtures,
  summarizePlan,
  summarizeProblems,
  validDir,
} from './fixture-support';
import type { ProblemSummary } from './fixture-support';

const update = process.env.UPDATE_GOLDEN === '1';

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Structural facts every plan must satisfy whatever the fixture. */
function checkInstanceInvariants(plan: Plan): void {
  const ids = new Set<string>();
  for (const inst of plan.instances) {
    expect(inst.id, 'instance ids are <node>_<6 chars>').toMatch(new RegExp(`^${inst.node}_[0-9a-z]{6}$`));
    expect(ids.has(inst.id), `instance id ${inst.id} is unique`).toBe(false);
    ids.add(inst.id);
  }
  for (const inst of plan.instances) {
    if (inst.containerId) expect(ids.has(inst.containerId)).toBe(true);
    if (inst.hostId) expect(ids.has(inst.hostId)).toBe(true);
    for (const r of inst.relationships) expect(ids.has(r.targetId)).toBe(true);
  }
  const nodeNames = plan.nodes.map((n) => n.name);
  expect([...plan.order].sort()).toEqual([...nodeNames].sort());
  // A node comes after every node it has a relationship to.
  const position = new Map(plan.order.map((n, i) => [n, i]));
  for (const node of plan.nodes)
    for (const rel of node.relationships)
      expect(position.get(rel.target)!, `${rel.target} before ${node.name}`).toBeLessThan(position.get(node.name)!);
  // Every node template can be revealed in the editor.
  for (const node of plan.nodes) {
    const loc = plan.sources[`node_templates.${node.name}`];
    expect(loc, `source of node_templates.${node.name}`).toBeDefined();
    expect(loc!.range.line).toBeGreaterThanOrEqual(1);
  }
}

describe('valid fixtures compile to their expected plans', () => {
  for (const name of listFixtures(validDir)) {
    it(name, () => {
      const dir = join(validDir, name);
      const result = compile(fixtureOptions(dir));
      const errors = result.problems.filter((p) => p.severity === 'error');
      expect(summarizeProblems(errors, dir)).toEqual([]);
      expect(result.plan).toBeDefined();
      const plan = result.plan!;
      checkInstanceInvariants(plan);
      const summary = summarizePlan(plan, result.problems, dir);
      const file = join(dir, 'expected.json');
      if (update) writeJson(file, summary);
      expect(existsSync(file), `${file} missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(summary).toEqual(readJson(file));
    });
  }
});

describe('invalid fixtures report exactly their expected problems', () => {
  for (const name of listFixtures(invalidDir)) {
    it(name, () => {
      const dir = join(invalidDir, name);
      const result = compile(fixtureOptions(dir));
      expect(hasErrors(result.problems)).toBe(true);
      expect(result.plan).toBeUndefined();
      const actual = summarizeProblems(result.problems, dir);
      const file = join(dir, 'expected-problems.json');
      if (update) writeJson(file, actual);
      expect(existsSync(file), `${file} missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
      const expected = readJson<ProblemSummary[]>(file).sort(byPosition);
      // Compare the located part exactly; messages only by the fragments the file names.
      const located = (p: ProblemSummary) => ({
        code: p.code,
        severity: p.severity,
        line: p.line,
        column: p.column,
        ...(p.file ? { file: p.file } : {}),
      });
      expect(actual.map(located)).toEqual(expected.map(located));
      expected.forEach((want, i) => {
        const got = actual[i]!;
        if (want.path !== undefined) expect(got.path).toBe(want.path);
        for (const fragment of want.message ?? [])
          expect(got.message?.[0]?.toLowerCase()).toContain(fragment.toLowerCase());
      });
    });
  }
});
