"""The `ctx` command on hosts without Node: same protocol and output as ctx-cli.js (one JSON
line {"args": [...]} to the socket in TRELLIS_CTX_SOCKET, one JSON line back). Python 3 only,
standard library only, so it runs on any stock Linux image."""
import json
import os
import socket
import sys


def main():
    path = os.environ.get("TRELLIS_CTX_SOCKET")
    if not path:
        sys.stderr.write("ctx: TRELLIS_CTX_SOCKET is not set (ctx only works inside a Trellis script operation)\n")
        return 2
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(path)
        conn.sendall((json.dumps({"args": sys.argv[1:]}) + "\n").encode("utf-8"))
        data = b""
        while not data.endswith(b"\n"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        conn.close()
    except OSError as error:
        sys.stderr.write("ctx: cannot reach the Trellis script runner: %s\n" % error)
        return 2
    if not data:
        sys.stderr.write("ctx: the Trellis script runner closed the connection without answering\n")
        return 2
    answer = json.loads(data.decode("utf-8"))
    if not answer.get("ok"):
        sys.stderr.write("ctx: %s\n" % answer.get("error", "failed"))
        return 1
    value = answer.get("value")
    if value is None:
        return 0
    sys.stdout.write((value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
