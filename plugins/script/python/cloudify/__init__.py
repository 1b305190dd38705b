"""A small stand-in for Cloudify's `cloudify` package, so operation scripts written as
`from cloudify import ctx` run under Trellis. Every access goes to the Trellis script runner
through the same socket protocol as the `ctx` command. Reads return copies: assign through
`ctx.instance.runtime_properties[key] = value` (nested in-place changes are not sent)."""
import json
import os
import sys

from . import _proxy
from .exceptions import NonRecoverableError, OperationRetry, RecoverableError

try:
    from collections.abc import MutableMapping
except ImportError:  # pragma: no cover
    from collections import MutableMapping


class _RemoteDict(MutableMapping):
    def __init__(self, prefix, writable):
        self._prefix = prefix
        self._writable = writable

    def _all(self):
        return _proxy.call(*self._prefix) or {}

    def __getitem__(self, key):
        return self._all()[key]

    def get(self, key, default=None):
        return self._all().get(key, default)

    def __setitem__(self, key, value):
        if not self._writable:
            raise NonRecoverableError("node properties are read-only")
        _proxy.call(*(self._prefix + [key, _proxy.encode(value)]))

    def __delitem__(self, key):
        raise NonRecoverableError("deleting runtime properties is not supported by Trellis scripts; set the key to None")

    def __iter__(self):
        return iter(self._all())

    def __len__(self):
        return len(self._all())

    def __repr__(self):
        return repr(self._all())


class _Node(object):
    def __init__(self, side):
        self._side = side

    @property
    def id(self):
        return _proxy.call(*(self._side + ["node", "name"]))

    name = id

    @property
    def type(self):
        return _proxy.call(*(self._side + ["node", "type"]))

    @property
    def type_hierarchy(self):
        return _proxy.call(*(self._side + ["node", "type-hierarchy"]))

    @property
    def properties(self):
        return _RemoteDict(self._side + ["node", "properties"], writable=False)


class _Instance(object):
    def __init__(self, side):
        self._side = side
        self.runtime_properties = _RemoteDict(self._side + ["instance", "runtime-properties"], writable=True)

    @property
    def id(self):
        return _proxy.call(*(self._side + ["instance", "id"]))

    @property
    def state(self):
        return _proxy.call(*(self._side + ["instance", "state"]))

    @property
    def host_ip(self):
        return self.runtime_properties.get("ip")

    def update(self, *args, **kwargs):
        _proxy.call(*(self._side + ["instance", "update"]))


class _Side(object):
    def __init__(self, side):
        self.node = _Node([side])
        self.instance = _Instance([side])


class _Logger(object):
    def _log(self, level, message, *args):
        text = str(message) % args if args else str(message)
        _proxy.call("logger", level, text)

    def debug(self, message, *args, **kwargs):
        self._log("debug", message, *args)

    def info(self, message, *args, **kwargs):
        self._log("info", message, *args)

    def warning(self, message, *args, **kwargs):
        self._log("warning", message, *args)

    warn = warning

    def error(self, message, *args, **kwargs):
        self._log("error", message, *args)

    def exception(self, message, *args, **kwargs):
        self._log("error", message, *args)


class _Operation(object):
    @property
    def name(self):
        return _proxy.call("operation", "name")

    @property
    def retry_number(self):
        return _proxy.call("operation", "retry-number")

    @property
    def max_retries(self):
        return _proxy.call("operation", "max-retries")

    def retry(self, message="", retry_after=None):
        args = ["retry-operation", message or "retry requested by the script"]
        if retry_after is not None:
            args.append(str(retry_after))
        _proxy.call(*args)
        return OperationRetry(message, retry_after)


class _Identified(object):
    def __init__(self, what):
        self._what = what

    @property
    def id(self):
        return _proxy.call(self._what, "id")


class _Context(object):
    def __init__(self):
        self.logger = _Logger()
        self.node = _Node([])
        self.instance = _Instance([])
        self.source = _Side("source")
        self.target = _Side("target")
        self.operation = _Operation()
        self.deployment = _Identified("deployment")
        self.blueprint = _Identified("blueprint")

    @property
    def type(self):
        return os.environ.get("TRELLIS_CONTEXT_TYPE", "node-instance")

    @property
    def execution_id(self):
        return os.environ.get("TRELLIS_EXECUTION_ID")

    @property
    def workflow_id(self):
        return _proxy.call("workflow-id")

    @property
    def inputs(self):
        return json.loads(os.environ.get("TRELLIS_INPUTS") or "{}")

    def returns(self, value):
        _proxy.call("returns", _proxy.encode(value))

    def abort_operation(self, message=""):
        _proxy.call("abort-operation", message or "aborted by the script")

    def retry_operation(self, message="", retry_after=None):
        return self.operation.retry(message, retry_after)

    def download_resource(self, resource_path, target_path=None):
        args = ["download-resource", resource_path]
        if target_path:
            args.append(target_path)
        return _proxy.call(*args)

    def get_resource(self, resource_path):
        with open(self.download_resource(resource_path), "rb") as f:
            return f.read()


ctx = _Context()


def _report_uncaught(kind, value, traceback):
    """An uncaught Cloudify exception tells Trellis whether to retry, like in Cloudify."""
    try:
        if isinstance(value, NonRecoverableError):
            ctx.abort_operation(str(value) or kind.__name__)
        elif isinstance(value, RecoverableError):
            ctx.retry_operation(str(value) or kind.__name__, getattr(value, "retry_after", None))
    except Exception:  # the runner is gone: the exit code still says it failed
        pass
    sys.__excepthook__(kind, value, traceback)


sys.excepthook = _report_uncaught
