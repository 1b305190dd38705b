/**
 * `trellis validate FILE... [--json] [-i inputs]`: compile each blueprint without planning
 * and report every problem, one `file:line:col: severity code: message` line each.
 * Exit code 1 when any file has an error.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { compile } from '../../dsl/index';
import { hasErrors } from '../../dsl/problem';
import type { Problem } from '../../dsl/problem';
import { cliResolver, collect, displayPath, formatProblemLine, readInputs } from '../compile-support';

interface ValidateOptions {
  json?: boolean;
  input?: string[];
}

/** One file's outcome, as printed by `--json`. */
export interface ValidateReport {
  file: string;
  valid: boolean;
  problems: Problem[];
}

export function register(program: Command): void {
  program
    .command('validate')
    .description('check blueprints and report every problem (exit 1 on errors)')
    .argument('<files...>', 'blueprint files')
    .option('--json', 'print the problems as JSON')
    .option('-i, --input <file-or-pairs>', 'deployment inputs (YAML file or k=v;k2=v2); also checks required inputs', collect)
    .action((files: string[], options: ValidateOptions) => {
      const resolver = cliResolver();
      const inputs = options.input ? readInputs(options.input) : undefined;
      const reports: ValidateReport[] = files.map((f) => {
        const file = resolve(f);
        // Without inputs only the blueprint is checked (missing inputs are warnings); with
        // them, a deployment is: plan it so every input and value problem is an error.
        const { problems } = compile({ file, resolver, ...(inputs ? { inputs } : { validateOnly: true }) });
        return { file, valid: !hasErrors(problems), problems };
      });
      if (options.json) {
        console.log(JSON.stringify(reports, null, 2));
      } else {
        let errors = 0;
        let warnings = 0;
        for (const report of reports) {
          for (const p of report.problems) {
            console.log(formatProblemLine(p));
            if (p.severity === 'error') errors++;
            else if (p.severity === 'warning') warnings++;
          }
          if (report.problems.length === 0) console.log(`${displayPath(report.file)}: ok`);
        }
        const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
        console.log(`${plural(reports.length, 'file')} checked: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`);
      }
      if (reports.some((r) => !r.valid)) process.exitCode = 1;
    });
}
