// A tiny Redis client (RESP2 over TCP): enough for the example's INCR/GET/PING/INFO.
// Commands are pipelined on one connection and answered in order; the connection is made
// again on the next command after it drops (Redis restarted by a heal, for example).
import net from 'node:net';

export class RespError extends Error {}

/** Encodes a command as a RESP array of bulk strings. */
function encode(args) {
  let out = `*${args.length}\r\n`;
  for (const arg of args) {
    const text = String(arg);
    out += `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
  }
  return out;
}

/**
 * Parses one reply from `buffer` at `offset`.
 * Returns [value, nextOffset], or undefined when the reply is not complete yet.
 */
function parse(buffer, offset) {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd < 0) return undefined;
  const kind = String.fromCharCode(buffer[offset]);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (kind) {
    case '+':
      return [line, next];
    case '-':
      return [new RespError(line), next];
    case ':':
      return [Number(line), next];
    case '$': {
      const length = Number(line);
      if (length < 0) return [null, next];
      if (buffer.length < next + length + 2) return undefined;
      return [buffer.toString('utf8', next, next + length), next + length + 2];
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return [null, next];
      const items = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, at);
        if (!item) return undefined;
        items.push(item[0]);
        at = item[1];
      }
      return [items, at];
    }
    default:
      throw new RespError(`unexpected reply type '${kind}'`);
  }
}

export class RespClient {
  constructor({ host = '127.0.0.1', port = 6379, timeoutMs = 2000 } = {}) {
    this.host = host;
    this.port = port;
    this.timeoutMs = timeoutMs;
    this.socket = undefined;
    this.pending = [];
    this.buffer = Buffer.alloc(0);
  }

  connect() {
    if (this.socket) return;
    const socket = net.createConnection({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    const fail = (error) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.buffer = Buffer.alloc(0);
      const pending = this.pending;
      this.pending = [];
      for (const p of pending) p.reject(error ?? new RespError('connection closed'));
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new RespError('connection closed')));
    this.socket = socket;
  }

  onData(chunk) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    let offset = 0;
    for (;;) {
      const reply = parse(this.buffer, offset);
      if (!reply) break;
      offset = reply[1];
      const waiter = this.pending.shift();
      if (!waiter) continue;
      clearTimeout(waiter.timer);
      if (reply[0] instanceof RespError) waiter.reject(reply[0]);
      else waiter.resolve(reply[0]);
    }
    this.buffer = this.buffer.subarray(offset);
  }

  /** Sends one command; resolves with its reply. */
  command(...args) {
    this.connect();
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject, timer: undefined };
      waiter.timer = setTimeout(() => {
        // A reply that never comes would shift every later reply: drop the connection.
        this.socket?.destroy(
          new RespError(`redis did not answer ${args[0]} in ${this.timeoutMs} ms`),
        );
      }, this.timeoutMs);
      this.pending.push(waiter);
      this.socket.write(encode(args));
    });
  }

  close() {
    this.socket?.end();
    this.socket = undefined;
  }
}
