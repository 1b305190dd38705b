/**
 * Errors a workflow builder throws for bad requests, before anything runs (nothing has been
 * changed when one is thrown). The host turns it into a clear CLI/UI message.
 */

/** A workflow was asked for with parameters that cannot work (bounds, unknown ids, types). */
export class WorkflowParameterError extends Error {
  override readonly name = 'WorkflowParameterError';
  /** The workflow the parameters were for. */
  readonly workflow: string;
  /** The offending parameter, when one is to blame. */
  readonly parameter: string | undefined;
  constructor(workflow: string, message: string, parameter?: string) {
    super(message);
    this.workflow = workflow;
    this.parameter = parameter;
  }
}
