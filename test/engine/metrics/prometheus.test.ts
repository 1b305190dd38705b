import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { createPrometheusCollector, metricsEndpoint } from '../../../engine/metrics/prometheus';
import { CounterRates } from '../../../engine/metrics/rates';
import type { MetricTarget } from '../../../engine/metrics/collector';

/** A real prom-client exporter on 127.0.0.1, as the example services run one. */
function startExporter(): Promise<{ server: Server; url: string; requests: Counter; inflight: Gauge; latency: Histogram }> {
  const registry = new Registry();
  const requests = new Counter({ name: 'http_requests_total', help: 'requests', labelNames: ['code'], registers: [registry] });
  const inflight = new Gauge({ name: 'inflight_requests', help: 'in flight', registers: [registry] });
  const latency = new Histogram({ name: 'latency_seconds', help: 'latency', buckets: [0.1, 1], registers: [registry] });
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    void registry.metrics().then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, inflight, latency })),
  );
}

const target = (instanceId: string, runtimeProperties: MetricTarget['runtimeProperties'], properties: MetricTarget['properties'] = {}): MetricTarget => ({
  deploymentId: 'dep',
  nodeId: 'service',
  instanceId,
  typeHierarchy: ['trellis.nodes.local.Process', 'cloudify.nodes.Root'],
  properties,
  runtimeProperties,
});

describe('prometheus collector', () => {
  let exporter: Awaited<ReturnType<typeof startExporter>>;
  beforeAll(async () => {
    exporter = await startExporter();
  });
  afterAll(() => new Promise<void>((r) => exporter.server.close(() => r())));

  it('scrapes a prom-client endpoint: counters summed over labels and marked, gauges as is, histograms as _count/_sum counters, up = 1', async () => {
    exporter.requests.inc({ code: '200' }, 7);
    exporter.requests.inc({ code: '500' }, 3);
    exporter.inflight.set(4);
    exporter.latency.observe(0.5);
    exporter.latency.observe(0.25);
    const samples = await createPrometheusCollector().collect([target('service_a', { metrics_url: `${exporter.url}/metrics` })], new AbortController().signal);
    const by = new Map(samples.map((s) => [s.metric, s]));
    expect(by.get('http_requests_total')).toMatchObject({ value: 10, counter: true, instanceId: 'service_a', nodeId: 'service', deploymentId: 'dep' });
    expect(by.get('inflight_requests')).toMatchObject({ value: 4 });
    expect(by.get('inflight_requests')?.counter).toBeUndefined();
    expect(by.get('latency_seconds_count')).toMatchObject({ value: 2, counter: true });
    expect(by.get('latency_seconds_sum')).toMatchObject({ value: 0.75, counter: true });
    expect(by.get('up')?.value).toBe(1);
    expect(by.get('scrape_duration_seconds')!.value).toBeGreaterThan(0);
  });

  it('reports an unreachable or failing endpoint as up = 0 instead of failing the round', async () => {
    const samples = await createPrometheusCollector({ timeoutMs: 1000 }).collect(
      [target('gone', { metrics_url: 'http://127.0.0.1:1/metrics' }), target('notfound', { metrics_url: `${exporter.url}/nope` })],
      new AbortController().signal,
    );
    expect(samples.map((s) => [s.instanceId, s.metric, s.value])).toEqual([
      ['gone', 'up', 0],
      ['notfound', 'up', 0],
    ]);
  });

  it('reads only targets that declare an http endpoint (metrics_url, or url + metrics_path)', () => {
    expect(metricsEndpoint(target('a', { metrics_url: 'http://127.0.0.1:9/m' }))).toBe('http://127.0.0.1:9/m');
    expect(metricsEndpoint(target('b', { url: 'http://127.0.0.1:9/' }, { metrics_path: '/metrics' }))).toBe('http://127.0.0.1:9/metrics');
    expect(metricsEndpoint(target('c', { url: 'http://127.0.0.1:9' }))).toBeUndefined();
    expect(metricsEndpoint(target('d', { metrics_url: 'file:///etc/passwd' }))).toBeUndefined();
  });

  it('turns successive counter values into per-second rates and skips resets', () => {
    const rates = new CounterRates();
    const s = (value: number) => [{ deploymentId: 'dep', nodeId: 'n', instanceId: 'i', metric: 'req_total', value, counter: true }];
    expect(rates.convert(s(100), 1_000)).toEqual([]);
    expect(rates.convert(s(150), 6_000)).toEqual([{ deploymentId: 'dep', nodeId: 'n', instanceId: 'i', metric: 'req_total:rate', time: 6_000, value: 10 }]);
    expect(rates.convert(s(5), 11_000)).toEqual([]); // the process restarted
    expect(rates.convert(s(25), 16_000)[0]?.value).toBe(4);
    // Gauges pass through, stamped with the collection time.
    expect(rates.convert([{ deploymentId: 'dep', nodeId: 'n', instanceId: 'i', metric: 'up', value: 1 }], 20_000)).toEqual([
      { deploymentId: 'dep', nodeId: 'n', instanceId: 'i', metric: 'up', time: 20_000, value: 1 },
    ]);
  });
});
