/**
 * Generated blueprints for the parse benchmark: `size` node templates, half of them hosts,
 * the other half applications contained in one host each and connected_to one shared
 * database (itself on the first host).
 */

/** A blueprint of exactly `size` node templates (size >= 3). */
export function generateBlueprint(size: number): string {
  const hosts = Math.ceil(size / 2);
  const apps = size - hosts - 1; // the remaining one is the shared database
  const out: string[] = [
    'tosca_definitions_version: cloudify_dsl_1_4',
    '',
    `description: Generated benchmark blueprint with ${size} node templates.`,
    '',
    'imports:',
    '  - cloudify/types/types.yaml',
    '',
    'inputs:',
    '  app_port:',
    '    type: integer',
    '    default: 8080',
    '',
    'node_types:',
    '  bench.nodes.App:',
    '    derived_from: cloudify.nodes.ApplicationModule',
    '    properties:',
    '      port:',
    '        type: integer',
    '        default: 80',
    '    interfaces:',
    '      cloudify.interfaces.lifecycle:',
    '        create: scripts/create.sh',
    '        start:',
    '          implementation: scripts/start.sh',
    '          inputs:',
    '            port:',
    '              default: { get_property: [SELF, port] }',
    '',
    'node_templates:',
    '  db:',
    '    type: cloudify.nodes.DBMS',
    '    relationships:',
    '      - type: cloudify.relationships.contained_in',
    '        target: host_0',
  ];
  for (let i = 0; i < hosts; i++) {
    out.push(
      `  host_${i}:`,
      '    type: cloudify.nodes.Compute',
      '    properties:',
      `      ip: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      '      agent_config:',
      '        install_method: none',
      '        user: ubuntu',
    );
  }
  for (let i = 0; i < apps; i++) {
    out.push(
      `  app_${i}:`,
      '    type: bench.nodes.App',
      '    properties:',
      '      port: { get_input: app_port }',
      '    relationships:',
      '      - type: cloudify.relationships.contained_in',
      `        target: host_${(i + 1) % hosts}`,
      '      - type: cloudify.relationships.connected_to',
      '        target: db',
    );
  }
  return `${out.join('\n')}\n`;
}
