// Test-only: gives a Node child started with child_process.fork the `process.parentPort`
// that Electron gives a utilityProcess, carried over Node's IPC channel, so the real
// engine process entry runs without the Electron binary.
if (process.send) {
  const port = {
    postMessage: (message) => process.send(message),
    on: (event, listener) => {
      if (event === 'message') process.on('message', (data) => listener({ data }));
      return port;
    },
  };
  process.parentPort = port;
}
