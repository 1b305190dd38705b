import { describe, expect, it } from 'vitest';
import { createImportResolver } from '../../../engine/dsl/resolver';
import { CORE_FILE, DEMO_PLUGIN_FILE, testResolver } from './dsl-test-kit';

describe('import resolver', () => {
  const resolver = testResolver();

  it.each([
    'cloudify/types/types.yaml',
    'http://www.getcloudify.org/spec/cloudify/4.5/types.yaml',
    'https://cloudify.co/spec/cloudify/6.4.0/types.yaml',
    'http://cloudify.co/spec/cloudify/5.0.5/types.yaml',
    'http://getcloudify.org.s3.amazonaws.com/spec/cloudify/3.3.1/types.yaml',
    'https://raw.githubusercontent.com/cloudify-cosmo/cloudify-manager/4.6/resources/rest-service/cloudify/types/types.yaml',
  ])('maps the core types import %s to the shipped core library', (s) => {
    expect(resolver.resolve(s, '/bp/blueprint.yaml')).toEqual({ file: CORE_FILE, library: 'core' });
  });

  it('maps plugin:NAME, with or without a version, and its aliases to the plugin library', () => {
    const demo = { file: DEMO_PLUGIN_FILE, library: 'demo' };
    expect(resolver.resolve('plugin:demo', '/x')).toEqual(demo);
    expect(resolver.resolve('plugin:demo?version= >=1.0', '/x')).toEqual(demo);
    expect(resolver.resolve('plugin:trellis-demo-plugin', '/x')).toEqual(demo);
  });

  it('maps exact import strings and URL patterns to the plugin library', () => {
    expect(resolver.resolve('https://example.org/demo/plugin.yaml', '/x')?.library).toBe('demo');
    expect(resolver.resolve('https://github.com/demo/releases/1.2.3/plugin.yaml', '/x')?.library).toBe('demo');
  });

  it('resolves nothing else, and lists the plugins it knows', () => {
    expect(resolver.resolve('https://example.org/other.yaml', '/x')).toBeUndefined();
    expect(resolver.resolve('http://www.getcloudify.org/spec/openstack-plugin/1.4/plugin.yaml', '/x')).toBeUndefined();
    expect(resolver.resolve('https://cloudify.co/spec/cloudify/6.4.0/other.yaml', '/x')).toBeUndefined();
    expect(resolver.resolve('plugin:nope', '/x')).toBeUndefined();
    expect(resolver.resolve('types/local.yaml', '/x')).toBeUndefined();
    expect(resolver.knownPlugins()).toEqual(['demo']);
    expect(createImportResolver({ coreTypesFile: CORE_FILE, libraries: [] }).knownPlugins()).toEqual([]);
  });
});
