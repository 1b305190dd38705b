// The example micro-service: answers GET / with its instance id and a hit counter kept in
// Redis, and exposes Prometheus metrics on /metrics (prom-client), including a request
// counter whose rate is the request rate. Configuration comes from the environment:
// PORT, REDIS_PORT (and REDIS_HOST), TRELLIS_INSTANCE_ID.
import http from 'node:http';
import { createRequire } from 'node:module';

// require (not import) so NODE_PATH applies: Trellis points it at the prom-client it ships,
// which makes the services work from wherever the engine runs the blueprint folder.
const client = createRequire(import.meta.url)('prom-client');
import { RespClient } from './resp-client.mjs';

const port = Number(process.env.PORT ?? 8080);
const instance = process.env.TRELLIS_INSTANCE_ID ?? `service-${process.pid}`;
const redis = process.env.REDIS_PORT
  ? new RespClient({
      host: process.env.REDIS_HOST ?? '127.0.0.1',
      port: Number(process.env.REDIS_PORT),
    })
  : undefined;

const registry = new client.Registry();
registry.setDefaultLabels({ instance_id: instance });
client.collectDefaultMetrics({ register: registry });
const requests = new client.Counter({
  name: 'http_requests_total',
  help: 'HTTP requests answered, by route and status code.',
  labelNames: ['route', 'code'],
  registers: [registry],
});
const duration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'Time to answer a request.',
  labelNames: ['route'],
  buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
  registers: [registry],
});

function send(res, route, code, body, type = 'application/json') {
  requests.inc({ route, code: String(code) });
  res.writeHead(code, { 'content-type': type });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const stop = duration.startTimer({ route: url.pathname });
  try {
    if (url.pathname === '/metrics') {
      const text = await registry.metrics();
      return send(res, '/metrics', 200, text, registry.contentType);
    }
    if (url.pathname === '/healthz') return send(res, '/healthz', 200, { ok: true, instance });
    if (url.pathname === '/') {
      let hits = null;
      if (redis) {
        try {
          hits = await redis.command('INCR', 'hits');
        } catch (error) {
          return send(res, '/', 503, {
            instance,
            error: `datastore unavailable: ${error.message}`,
          });
        }
      }
      return send(res, '/', 200, { instance, pid: process.pid, hits });
    }
    return send(res, 'other', 404, { error: 'not found' });
  } finally {
    stop();
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`service ${instance} listening on http://127.0.0.1:${port}`);
});

// Graceful stop: finish in-flight requests, then exit (Trellis sends SIGTERM, then SIGKILL).
process.on('SIGTERM', () => {
  console.log(`service ${instance} stopping`);
  redis?.close();
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
