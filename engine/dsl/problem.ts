/**
 * Problems are data (STYLE.md): every phase of the compiler appends to one list instead of
 * throwing, so a single run reports everything wrong with a document, located precisely
 * enough that the YAML pane, the graph badges, the problems list and `trellis validate`
 * can all mark the same spot.
 */

/** A position span inside one source file. Lines and columns are 1-based; offsets 0-based. */
export interface SourceRange {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  offset: number;
  endOffset: number;
}

export const Severity = {
  error: 'error',
  warning: 'warning',
  info: 'info',
} as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

/**
 * Stable problem codes. Each is documented in docs/problems.md under an anchor of the same
 * name, so messages can link to an explanation. Add codes here; never rename one.
 */
export const ProblemCode = {
  yamlSyntax: 'yaml-syntax',
  duplicateKey: 'duplicate-key',
  unsupportedDslVersion: 'unsupported-dsl-version',
  missingDslVersion: 'missing-dsl-version',
  unknownSection: 'unknown-section',
  unknownField: 'unknown-field',
  ignoredSection: 'ignored-section',
  wrongShape: 'wrong-shape',
  unresolvedImport: 'unresolved-import',
  importCycle: 'import-cycle',
  importConflict: 'import-conflict',
  unknownType: 'unknown-type',
  unknownDataType: 'unknown-data-type',
  inheritanceCycle: 'inheritance-cycle',
  wrongValueType: 'wrong-value-type',
  constraintViolation: 'constraint-violation',
  invalidConstraint: 'invalid-constraint',
  missingRequiredProperty: 'missing-required-property',
  unknownProperty: 'unknown-property',
  missingInput: 'missing-input',
  unknownInput: 'unknown-input',
  missingNode: 'missing-node',
  unknownRelationshipType: 'unknown-relationship-type',
  multipleHosts: 'multiple-hosts',
  containmentCycle: 'containment-cycle',
  dependencyCycle: 'dependency-cycle',
  allToOneInScalingGroup: 'all-to-one-in-scaling-group',
  badFunction: 'bad-function',
  badFunctionReference: 'bad-function-reference',
  functionContext: 'function-context',
  unknownOperation: 'unknown-operation',
  unknownPlugin: 'unknown-plugin',
  badScalingGroup: 'bad-scaling-group',
  badScalingBounds: 'bad-scaling-bounds',
  badPolicy: 'bad-policy',
  unknownWorkflow: 'unknown-workflow',
  /** A bug in Trellis met while compiling (reported instead of thrown). */
  internalError: 'internal-error',
} as const;
export type ProblemCode = (typeof ProblemCode)[keyof typeof ProblemCode];

/** One thing wrong (or worth saying) about a blueprint. */
export interface Problem {
  code: ProblemCode;
  severity: Severity;
  message: string;
  /** Absolute path (or virtual URI for shipped libraries) of the file the problem is in. */
  file: string;
  range: SourceRange;
  /** Dotted path inside the document, e.g. `node_templates.vm.properties.flavor`. */
  path: string;
}

/** Human form used by `trellis validate`: `file:line:col: severity code: message`. */
export function formatProblem(problem: Problem): string {
  const { file, range, severity, code, message } = problem;
  return `${file}:${range.line}:${range.column}: ${severity} ${code}: ${message}`;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === Severity.error);
}
