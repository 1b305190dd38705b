// The example load balancer: round-robin HTTP proxy on 127.0.0.1:PORT with an admin API that
// Trellis's relationship operations call:
//   GET    /admin/backends        -> {"backends": [{"id", "url"}]}
//   PUT    /admin/backends/<id>   {"url": "http://127.0.0.1:1234"}  (idempotent)
//   DELETE /admin/backends/<id>
// Backends are saved to STATE_FILE (when set) so a restarted balancer keeps them.
// /metrics is Prometheus text (prom-client); every other path is proxied.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';

// require (not import) so NODE_PATH applies: Trellis points it at the prom-client it ships,
// which makes the services work from wherever the engine runs the blueprint folder.
const client = createRequire(import.meta.url)('prom-client');

const port = Number(process.env.PORT ?? 8000);
const stateFile = process.env.STATE_FILE;
const adminPrefix = '/admin/backends';

/** id -> url, in insertion order (the round-robin order). */
const backends = new Map();
let next = 0;

if (stateFile) {
  try {
    for (const { id, url } of JSON.parse(readFileSync(stateFile, 'utf8')).backends)
      backends.set(id, url);
  } catch {
    // no saved state yet
  }
}

function save() {
  if (!stateFile) return;
  const tmp = `${stateFile}.tmp`;
  writeFileSync(tmp, JSON.stringify({ backends: list() }));
  renameSync(tmp, stateFile);
}

const list = () => [...backends].map(([id, url]) => ({ id, url }));

const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });
const proxied = new client.Counter({
  name: 'balancer_requests_total',
  help: 'Requests proxied, by backend and status code.',
  labelNames: ['backend', 'code'],
  registers: [registry],
});
const upstreamErrors = new client.Counter({
  name: 'balancer_upstream_errors_total',
  help: 'Backends that could not be reached.',
  labelNames: ['backend'],
  registers: [registry],
});
new client.Gauge({
  name: 'balancer_backends',
  help: 'Backends currently registered.',
  registers: [registry],
  collect() {
    this.set(backends.size);
  },
});

function json(res, code, body) {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function admin(req, res, path) {
  if (path === adminPrefix && req.method === 'GET') return json(res, 200, { backends: list() });
  const id = decodeURIComponent(path.slice(adminPrefix.length + 1));
  if (!id || id.includes('/')) return json(res, 404, { error: 'no such admin path' });
  if (req.method === 'PUT') {
    let url;
    try {
      url = new URL(JSON.parse(await readBody(req)).url).toString().replace(/\/$/, '');
    } catch {
      return json(res, 400, { error: 'body must be {"url": "http://host:port"}' });
    }
    backends.set(id, url);
    save();
    console.log(`backend ${id} -> ${url} (${backends.size} backends)`);
    return json(res, 200, { id, url });
  }
  if (req.method === 'DELETE') {
    const existed = backends.delete(id);
    save();
    console.log(`backend ${id} removed (${backends.size} backends)`);
    return json(res, existed ? 200 : 404, { id, removed: existed });
  }
  return json(res, 405, { error: 'use GET, PUT or DELETE' });
}

/** Proxies to the next backend; a backend that refuses the connection is skipped once. */
function proxy(req, res, body, attempt = 0) {
  const entries = list();
  if (entries.length === 0) return json(res, 503, { error: 'no backends' });
  const backend = entries[next++ % entries.length];
  const target = new URL(req.url ?? '/', backend.url);
  const upstream = http.request(
    target,
    {
      method: req.method,
      headers: { ...req.headers, host: target.host, 'x-forwarded-for': req.socket.remoteAddress },
    },
    (answer) => {
      proxied.inc({ backend: backend.id, code: String(answer.statusCode) });
      res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-backend': backend.id });
      answer.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    upstreamErrors.inc({ backend: backend.id });
    if (res.headersSent) return res.destroy();
    if (attempt + 1 < entries.length) return proxy(req, res, body, attempt + 1);
    json(res, 502, { error: `no backend answered (last: ${backend.id}: ${error.message})` });
  });
  upstream.end(body);
}

const server = http.createServer(async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/metrics') {
    res.writeHead(200, { 'content-type': registry.contentType });
    return res.end(await registry.metrics());
  }
  if (path === '/healthz') return json(res, 200, { ok: true, backends: backends.size });
  if (path === adminPrefix || path.startsWith(`${adminPrefix}/`)) return admin(req, res, path);
  // Buffer the (small) body so a retry on another backend can resend it.
  proxy(req, res, await readBody(req));
});

server.listen(port, '127.0.0.1', () => {
  console.log(`balancer listening on http://127.0.0.1:${port} with ${backends.size} backends`);
});

process.on('SIGTERM', () => {
  console.log('balancer stopping');
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
