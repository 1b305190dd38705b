/** `trellis executions list|show|cancel|resume`. */
import type { Command } from 'commander';
import { addCommonOptions, followExecution, printJson, table, unwrap, withHost, type CommonOptions } from '../run-support';

export function register(program: Command): void {
  const executions = program.command('executions').description('list, show, cancel and resume executions');
  addCommonOptions(executions.command('list').description('list executions').option('-d, --deployment <id>', 'only this deployment')).action(
    async (opts: CommonOptions & { deployment?: string }) => {
      await withHost(opts, async (host) => {
        const list = unwrap(await host.call('executions.list', opts.deployment ? { deploymentId: opts.deployment } : {}));
        if (opts.json) return printJson(list);
        if (!list.length) return console.log('no executions');
        console.log(
          table([
            ['ID', 'DEPLOYMENT', 'WORKFLOW', 'STATUS', 'CREATED', 'ERROR'],
            ...list.map((e) => [e.id, e.deploymentId, e.workflow, e.status, e.createdAt, (e.error ?? '').slice(0, 80)]),
          ]),
        );
      });
    },
  );
  addCommonOptions(executions.command('show').description('show an execution and its tasks').argument('<execution>', 'the execution id')).action(
    async (executionId: string, opts: CommonOptions) => {
      await withHost(opts, async (host) => {
        const e = unwrap(await host.call('executions.get', { executionId }));
        if (opts.json) return printJson(e);
        console.log(`${e.workflow} ${e.id} on ${e.deploymentId}: ${e.status}${e.error ? `\nerror: ${e.error}` : ''}`);
        console.log(`created ${e.createdAt}${e.startedAt ? `, started ${e.startedAt}` : ''}${e.endedAt ? `, ended ${e.endedAt}` : ''}; triggered by ${e.triggeredBy}`);
        console.log(table([['TASK', 'STATUS', 'ATTEMPTS', 'ERROR'], ...e.tasks.filter((t) => t.kind === 'operation').map((t) => [t.name, t.status, String(t.attempts), t.error ?? ''])]));
      });
    },
  );
  addCommonOptions(
    executions.command('cancel').description('cancel a running or queued execution').argument('<execution>', 'the execution id').option('--force', 'end it now, abandoning running operations'),
  ).action(async (executionId: string, opts: CommonOptions & { force?: boolean }) => {
    await withHost(opts, async (host) => {
      const e = unwrap(await host.call('executions.cancel', { executionId, force: Boolean(opts.force) }));
      if (opts.json) printJson(e);
      else console.log(`${e.workflow} ${e.id}: ${e.status}`);
    });
  });
  addCommonOptions(
    executions
      .command('resume')
      .description('resume a failed or cancelled execution: tasks that did not succeed run again')
      .argument('<execution>', 'the execution id'),
  ).action(async (executionId: string, opts: CommonOptions) => {
    await withHost(opts, async (host) => {
      // The execution runs in this process, so the command follows it to its end.
      const e = unwrap(await host.call('executions.resume', { executionId }));
      return followExecution(host, e, opts);
    });
  });
}
