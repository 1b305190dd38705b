// The `ctx` command a running script calls (`ctx instance runtime-properties port 8080`).
// It sends its arguments to the runner over the Unix socket named in TRELLIS_CTX_SOCKET as one
// JSON line and prints the answer: strings as they are, other values as JSON, nothing for
// null. Exit code 0 on success, 1 when the runner refused the call, 2 when it cannot reach
// the runner. Plain JavaScript with Node built-ins only, so it runs without a build step.
import net from 'node:net';

const socketPath = process.env.TRELLIS_CTX_SOCKET;
if (!socketPath) {
  process.stderr.write(
    'ctx: TRELLIS_CTX_SOCKET is not set (ctx only works inside a Trellis script operation)\n',
  );
  process.exit(2);
}

const socket = net.createConnection(socketPath);
let buffered = '';
let answered = false;

socket.setEncoding('utf8');
socket.on('connect', () => {
  socket.write(JSON.stringify({ args: process.argv.slice(2) }) + '\n');
});
socket.on('data', (chunk) => {
  buffered += chunk;
  const newline = buffered.indexOf('\n');
  if (newline < 0) return;
  answered = true;
  const response = JSON.parse(buffered.slice(0, newline));
  socket.end();
  if (!response.ok) {
    process.stderr.write(`ctx: ${response.error}\n`);
    process.exitCode = 1;
    return;
  }
  const value = response.value;
  if (value === undefined || value === null) return;
  process.stdout.write((typeof value === 'string' ? value : JSON.stringify(value)) + '\n');
});
socket.on('error', (error) => {
  process.stderr.write(`ctx: cannot reach the Trellis script runner: ${error.message}\n`);
  process.exitCode = 2;
});
socket.on('close', () => {
  if (!answered && process.exitCode === undefined) {
    process.stderr.write(
      'ctx: the Trellis script runner closed the connection without answering\n',
    );
    process.exitCode = 2;
  }
});
