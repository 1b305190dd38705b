/**
 * The DSL's JSON schema, bundled into the renderer through a Vite alias (the renderer may
 * not import engine/ code; the alias points at engine/dsl/schema/dsl.schema.json).
 */
declare module '@trellis/dsl-schema' {
  const schema: Record<string, unknown>;
  export default schema;
}
