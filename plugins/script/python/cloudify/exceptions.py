"""Cloudify's operation exceptions, for scripts that raise them. An uncaught one ends the
script and tells Trellis how the operation failed (see cloudify/__init__.py's excepthook)."""


class NonRecoverableError(Exception):
    """Retrying cannot help: the operation fails now."""


class RecoverableError(Exception):
    """Try the operation again (after retry_after seconds when given)."""

    def __init__(self, message="", retry_after=None, *args):
        super().__init__(message, *args)
        self.retry_after = retry_after


class OperationRetry(RecoverableError):
    """Raised by ctx.operation.retry()."""


class HttpException(NonRecoverableError):
    """Kept so imports from older scripts resolve."""
