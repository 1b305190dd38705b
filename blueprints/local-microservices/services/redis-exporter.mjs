// Prometheus metrics for the example's Redis: reads INFO over RESP and serves /metrics on
// PORT (Redis itself has no HTTP endpoint). Environment: PORT, REDIS_PORT, REDIS_HOST.
import http from 'node:http';
import { RespClient } from './resp-client.mjs';

const port = Number(process.env.PORT ?? 9121);
const redis = new RespClient({
  host: process.env.REDIS_HOST ?? '127.0.0.1',
  port: Number(process.env.REDIS_PORT ?? 6379),
});

// INFO fields exported as gauges (counters end in _total, as Prometheus expects).
const fields = {
  connected_clients: ['redis_connected_clients', 'gauge', 'Client connections.'],
  used_memory: ['redis_memory_used_bytes', 'gauge', 'Memory used by Redis.'],
  total_commands_processed: ['redis_commands_processed_total', 'counter', 'Commands processed.'],
  total_connections_received: [
    'redis_connections_received_total',
    'counter',
    'Connections accepted.',
  ],
  keyspace_hits: ['redis_keyspace_hits_total', 'counter', 'Successful key lookups.'],
  uptime_in_seconds: ['redis_uptime_seconds', 'gauge', 'Seconds since Redis started.'],
};

async function metrics() {
  let info;
  try {
    info = await redis.command('INFO');
  } catch {
    return '# HELP redis_up Whether Redis answered.\n# TYPE redis_up gauge\nredis_up 0\n';
  }
  const values = new Map();
  for (const line of String(info).split('\r\n')) {
    const [key, value] = line.split(':');
    if (key && value !== undefined) values.set(key, value);
  }
  let out = '# HELP redis_up Whether Redis answered.\n# TYPE redis_up gauge\nredis_up 1\n';
  for (const [field, [name, type, help]] of Object.entries(fields)) {
    const value = Number(values.get(field));
    if (!Number.isFinite(value)) continue;
    out += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`;
  }
  return out;
}

const server = http.createServer(async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    return res.end(await metrics());
  }
  if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end('{"ok":true}');
  }
  res.writeHead(404).end();
});

server.listen(port, '127.0.0.1', () =>
  console.log(`redis exporter on http://127.0.0.1:${port}/metrics`),
);
process.on('SIGTERM', () => {
  redis.close();
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
