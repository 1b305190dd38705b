"""Talks to the Trellis script runner over the Unix socket in TRELLIS_CTX_SOCKET: one JSON
line {"args": [...]} each way, the same protocol as the `ctx` command (ctx-cli.js)."""
import json
import os
import socket


class CtxError(RuntimeError):
    """The runner refused a ctx call (unknown field, read-only property, ...)."""


def call(*args):
    path = os.environ.get("TRELLIS_CTX_SOCKET")
    if not path:
        raise CtxError("TRELLIS_CTX_SOCKET is not set: ctx works only inside a Trellis script operation")
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
        conn.sendall((json.dumps({"args": [str(a) for a in args]}) + "\n").encode("utf-8"))
        data = b""
        while not data.endswith(b"\n"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        conn.close()
    if not data:
        raise CtxError("the Trellis script runner closed the connection without answering")
    answer = json.loads(data.decode("utf-8"))
    if not answer.get("ok"):
        raise CtxError(answer.get("error", "ctx call failed"))
    return answer.get("value")


def encode(value):
    """Values are sent as JSON behind the '@' prefix, so their types survive."""
    return "@" + json.dumps(value)
