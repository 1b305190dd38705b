"""`from cloudify.state import ctx, ctx_parameters`: the context and the operation inputs."""
import json
import os

from . import ctx  # noqa: F401  (re-exported)

ctx_parameters = json.loads(os.environ.get("TRELLIS_INPUTS") or "{}")
