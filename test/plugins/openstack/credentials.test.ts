/**
 * Cloud credentials resolved like the openstack CLI: client_config over a clouds.yaml cloud
 * over OS_* variables, legacy openstack_config spellings, TLS on unless a cloud says not.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CloudConfigError, cloudsYamlPaths, describeCloud, resolveCloudConfig } from '../../../plugins/openstack/port/credentials';

const dir = mkdtempSync(join(tmpdir(), 'trellis-os-creds-'));
const clouds = join(dir, 'clouds.yaml');
writeFileSync(
  clouds,
  `clouds:
  lab:
    auth: {auth_url: "https://keystone.lab:5000/v3", username: alice, password: from-yaml, project_name: web, user_domain_name: Users, project_domain_name: Projects}
    region_name: East
    interface: internal
    verify: false
`,
);

describe('OpenStack credentials', () => {
  it('reads a clouds.yaml cloud named by OS_CLOUD, with domains, region, interface and verify: false', () => {
    const c = resolveCloudConfig({}, { OS_CLOUD: 'lab', OS_CLIENT_CONFIG_FILE: clouds }, dir);
    expect(c).toMatchObject({
      authUrl: 'https://keystone.lab:5000',
      username: 'alice',
      password: 'from-yaml',
      projectName: 'web',
      userDomainName: 'Users',
      projectDomainName: 'Projects',
      regionName: 'East',
      interface: 'internal',
      cloudName: 'lab',
    });
    expect(c.tls.insecure).toBe(true);
  });

  it('finds clouds.yaml in the working directory before the user and system locations', () => {
    expect(cloudsYamlPaths({}, dir)).toEqual([join(dir, 'clouds.yaml'), expect.stringMatching(/\.config\/openstack\/clouds\.yaml$/), '/etc/openstack/clouds.yaml']);
    const c = resolveCloudConfig({ cloud: 'lab' }, {}, dir);
    expect(c.username).toBe('alice');
  });

  it('lets client_config override the cloud entry (a password from get_secret wins)', () => {
    const c = resolveCloudConfig({ cloud: 'lab', password: 'from-secret', region_name: 'West' }, { OS_CLIENT_CONFIG_FILE: clouds }, dir);
    expect(c.password).toBe('from-secret');
    expect(c.regionName).toBe('West');
    expect(c.username).toBe('alice');
  });

  it('falls back to OS_* variables, with the default domain and TLS verification on', () => {
    const c = resolveCloudConfig({}, { OS_AUTH_URL: 'https://k:5000/v3/', OS_USERNAME: 'bob', OS_PASSWORD: 'pw', OS_PROJECT_NAME: 'p', OS_REGION_NAME: 'R' }, dir);
    expect(c).toMatchObject({ authUrl: 'https://k:5000', username: 'bob', projectName: 'p', userDomainId: 'default', projectDomainId: 'default', interface: 'public' });
    expect(c.tls.insecure).toBe(false);
  });

  it('accepts the legacy openstack_config spellings (tenant_name, region)', () => {
    const c = resolveCloudConfig({ auth_url: 'http://k:5000/v2.0', username: 'u', password: 'p', tenant_name: 't', region: 'R1', insecure: true }, {}, dir);
    expect(c).toMatchObject({ authUrl: 'http://k:5000', projectName: 't', regionName: 'R1' });
    expect(c.tls.insecure).toBe(true);
  });

  it('says what is missing instead of failing later', () => {
    expect(() => resolveCloudConfig({}, {}, dir)).toThrow(CloudConfigError);
    expect(() => resolveCloudConfig({}, {}, dir)).toThrow(/auth_url/);
    expect(() => resolveCloudConfig({ auth_url: 'http://k' , username: 'u' }, {}, dir)).toThrow(/password/);
    expect(() => resolveCloudConfig({ cloud: 'nope' }, { OS_CLIENT_CONFIG_FILE: clouds }, dir)).toThrow(/cloud "nope" not found in clouds.yaml/);
  });

  it('describes the cloud without its secrets', () => {
    const c = resolveCloudConfig({ cloud: 'lab' }, { OS_CLIENT_CONFIG_FILE: clouds }, dir);
    const text = describeCloud(c);
    expect(text).toBe('cloud lab / project web / user alice / region East');
    expect(text).not.toContain('from-yaml');
  });
});
