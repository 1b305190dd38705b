/**
 * JSON Schema (draft-07) of a Cloudify-DSL blueprint document, for editor completion, hover
 * and light validation (monaco-yaml). It describes shapes only; the compiler
 * (engine/dsl/index.ts) is the authority on meaning, types and references.
 */
import schema from './dsl.schema.json' with { type: 'json' };

/** The `$id` of the schema; use it as the `uri` when registering with monaco-yaml. */
export const dslSchemaUri = 'trellis://schemas/dsl.schema.json';

/** The blueprint schema as a plain JSON object. */
export const dslSchema: Readonly<Record<string, unknown>> = schema;
