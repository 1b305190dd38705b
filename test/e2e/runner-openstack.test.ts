/**
 * The OpenStack example deployed from the UI against the loopback cloud (test/peers/openstack),
 * in Chromium against `trellis serve` with a real engine in a temp TRELLIS_HOME: the user
 * points OS_CLIENT_CONFIG_FILE at the peer's clouds.yaml (as with the openstack CLI), creates
 * a deployment of blueprints/openstack-basic in the New deployment dialog naming the cloud,
 * installs it until every node is green, reads a server's addresses in its node details,
 * uninstalls from the UI, and the OpenStack API shows nothing left behind. Screenshots go to
 * test-results/screenshots/runner-openstack-*.png.
 */
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostResult, NodeInstanceSummary } from '../../engine/host/contract';
import { resolveCloudConfig } from '../../plugins/openstack/port/credentials';
import { OpenStackPort } from '../../plugins/openstack/port/port';
import { NeutronKind } from '../../plugins/openstack/port/types';
import { clientConfig, requirePeer } from '../plugins/openstack/support/peer';
import {
  chromiumPath,
  haveChromium,
  openRunner,
  shot,
  startRunnerHarness,
  uninstallAll,
  type RunnerHarness,
} from './runner-harness';

const file = 'test/e2e/runner-openstack.test.ts';
const peer = await requirePeer(file);
const inCi = process.env['CI'] === 'true';
if (!haveChromium) {
  if (inCi) throw new Error(`${file}: no Chromium at ${chromiumPath}`);
  console.warn(`\n*** SKIPPING ${file}: need Chromium at ${chromiumPath} ***\n`);
}

const blueprintFile = resolve('blueprints/openstack-basic/blueprint.yaml');
const nodes = [
  'external_network',
  'network',
  'router',
  'subnet',
  'security_group',
  'ping_rule',
  'web',
  'gateway_ip',
  'gateway',
  'gateway_data',
];

function ok<T>(r: HostResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** A runtime property that must be a string (an id). */
function sv(v: unknown): string {
  if (typeof v !== 'string') throw new Error(`expected a string, got ${JSON.stringify(v)}`);
  return v;
}

const tones = async (page: Page): Promise<string> =>
  (
    await Promise.all(
      nodes.map((n) => page.locator(`[data-testid="live-node-${n}"]`).getAttribute('data-tone')),
    )
  ).join(',');

describe.skipIf(!peer || !haveChromium)(
  'the OpenStack example from the runner UI (loopback cloud)',
  () => {
    const prefix = `trl-ui-${Date.now().toString(36)}`;
    const deploymentId = prefix;
    let h: RunnerHarness | undefined;
    let port: OpenStackPort;

    beforeAll(async () => {
      // What a user of the openstack CLI does: point at a clouds.yaml, name the cloud.
      process.env['OS_CLIENT_CONFIG_FILE'] = `${peer!.state}/clouds.yaml`;
      port = new OpenStackPort(resolveCloudConfig(clientConfig(peer!, 'admin'), {}));
      h = await startRunnerHarness();
    }, 180_000);

    afterAll(async () => {
      // Whatever failed above, take the cloud resources and processes down again.
      if (h) {
        await uninstallAll(h);
        await h.close();
      }
    }, 600_000);

    it('installs it from the UI until every node is green, shows a server’s addresses, and uninstalls leaving nothing in the cloud', async () => {
      const { page, errors } = await openRunner(h!, { file: blueprintFile, waitFor: 'gateway' });

      await page.locator('[data-testid="new-deployment"]').click();
      const dialog = page.locator('[data-testid="create-deployment-dialog"]');
      await dialog.locator('[data-testid="input-cloud"]').fill('trellis-admin');
      await dialog.locator('[data-testid="input-name_prefix"]').fill(prefix);
      await dialog.locator('[data-testid="input-servers"]').fill('1');
      await dialog.locator('[data-testid="deployment-id"]').fill(deploymentId);
      await shot(page, 'openstack-01-create');
      await dialog.locator('[data-testid="create-deployment-submit"]').click();
      const status = page.locator(
        `[data-testid="deployment-${deploymentId}"] [data-testid="deployment-status"]`,
      );
      await page.locator('[data-testid="live-node-gateway"]').waitFor();
      expect(await status.textContent()).toBe('created');

      await page.locator('[data-testid="install"]').click();
      await expect.poll(() => tones(page), { timeout: 120_000, interval: 250 }).toMatch(/busy/);
      await shot(page, 'openstack-02-installing');
      await expect
        .poll(() => tones(page), { timeout: 420_000, interval: 1000 })
        .toBe(nodes.map(() => 'ok').join(','));
      await expect.poll(() => status.textContent(), { timeout: 15_000 }).toBe('installed');
      await shot(page, 'openstack-03-installed');

      // The servers really exist and are ACTIVE (the ground truth the UI must agree with).
      const instances = ok(await h!.host.call('instances.list', { deploymentId }));
      const byNode = new Map<string, NodeInstanceSummary>(instances.map((i) => [i.nodeId, i]));
      const gateway = byNode.get('gateway')!;
      const server = await port.getServer(sv(gateway.runtimeProperties['id']));
      expect(server?.status).toBe('ACTIVE');
      const fixed = Object.values(server!.addresses ?? {})
        .flat()
        .filter((a) => a.version === 4 && a['OS-EXT-IPS:type'] !== 'floating')
        .map((a) => a.addr);
      expect(fixed[0]).toMatch(/^10\.60\.0\./);
      const fip = await port.getNeutron(
        NeutronKind.floatingIp,
        sv(byNode.get('gateway_ip')!.runtimeProperties['id']),
      );
      const floating = String(fip!.floating_ip_address);

      // The gateway's details show its addresses: fixed ip, the floating one, its network.
      await page.locator('[data-testid="live-node-gateway"]').click();
      const details = page.locator('[data-testid="node-details"]');
      await details.waitFor();
      const rp = (key: string) =>
        details.locator(`[data-testid="rp-${gateway.id}-${key}"]`).textContent();
      await expect.poll(() => rp('ipv4_address'), { timeout: 15_000 }).toBe(fixed[0]);
      await expect.poll(() => rp('public_ip_address'), { timeout: 15_000 }).toBe(floating);
      expect(await rp('networks')).toContain(`${prefix}-net`);
      expect(await rp('addresses')).toContain(fixed[0]);
      expect(await details.textContent()).toContain(floating);
      await details.locator(`[data-testid="rp-${gateway.id}-addresses"]`).scrollIntoViewIfNeeded();
      await shot(page, 'openstack-04-server-addresses');

      // The web server's details too.
      await page.locator('[data-testid="live-node-web"]').click();
      const web = byNode.get('web')!;
      await expect
        .poll(() => details.locator(`[data-testid="rp-${web.id}-ip"]`).textContent(), {
          timeout: 15_000,
        })
        .toMatch(/^10\.60\.0\.\d+$/);

      // Uninstall from the UI.
      await page.locator('[data-testid="uninstall"]').click();
      await page.locator('[data-testid="confirm-dialog"]').waitFor();
      await page.locator('[data-testid="confirm-ok"]').click();
      await expect
        .poll(() => status.textContent(), { timeout: 420_000, interval: 1000 })
        .toBe('uninstalled');
      await shot(page, 'openstack-05-uninstalled');

      // Nothing is left in the cloud; the external network (looked up, not ours) remains.
      const ours = (await port.listServers()).filter(
        (s) => s.metadata?.['trellis_deployment'] === deploymentId,
      );
      expect(ours).toEqual([]);
      for (const i of instances.filter((x) => x.nodeId === 'web' || x.nodeId === 'gateway')) {
        expect(await port.getServer(sv(i.runtimeProperties['id']))).toBeUndefined();
      }
      expect(
        await port.getVolume(sv(byNode.get('gateway_data')!.runtimeProperties['id'])),
      ).toBeUndefined();
      expect(await port.getNeutron(NeutronKind.floatingIp, String(fip!.id))).toBeUndefined();
      const kinds = [
        [NeutronKind.network, 'network'],
        [NeutronKind.subnet, 'subnet'],
        [NeutronKind.router, 'router'],
        [NeutronKind.securityGroup, 'security_group'],
        [NeutronKind.securityGroupRule, 'ping_rule'],
      ] as const;
      for (const [kind, node] of kinds) {
        const id = sv(byNode.get(node)!.runtimeProperties['id']);
        expect(await port.getNeutron(kind, id), `${kind} ${id}`).toBeUndefined();
      }
      for (const kind of [
        NeutronKind.network,
        NeutronKind.subnet,
        NeutronKind.router,
        NeutronKind.securityGroup,
      ]) {
        const left = (await port.listNeutron(kind)).filter((r) =>
          String(r['name'] ?? '').startsWith(prefix),
        );
        expect(left, kind).toEqual([]);
      }
      expect((await port.listVolumes()).filter((v) => (v.name ?? '').startsWith(prefix))).toEqual(
        [],
      );
      expect(
        await port.listNeutron(NeutronKind.network, { name: peer!.external_network }),
      ).toHaveLength(1);
      expect(errors).toEqual([]);
    }, 900_000);
  },
);
