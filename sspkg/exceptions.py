"""Errors of the domain. Each carries the HTTP status an API answers it with."""


class SSError(Exception):
    """Base of every error the service reports to a client."""

    status_code = 500

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class BadRequest(SSError):
    """The request is malformed or names something unusable."""

    status_code = 400


class Unauthorized(SSError):
    """Missing or wrong credentials."""

    status_code = 401


class Forbidden(SSError):
    """Authenticated, but not allowed."""

    status_code = 403


class NotFound(SSError):
    """No such object."""

    status_code = 404


class MethodNotAllowed(SSError):
    """The operation does not apply to this kind of object."""

    status_code = 405


class Conflict(SSError):
    """The object is in a state where this cannot be done (or already exists)."""

    status_code = 409


class Unavailable(SSError):
    """A backing service (Redis) cannot be reached."""

    status_code = 503


class PathEscapes(BadRequest):
    """A client path leaves the location it must stay in."""


class StatusConflict(Conflict):
    """A compare-and-set of a status found another status."""


class PermanentJobError(SSError):
    """A job failed for a reason retrying cannot cure (bad package, bad path)."""

    status_code = 400


class PackageInvalid(PermanentJobError):
    """The package failed verification (bag invalid, checksum mismatch)."""


class NotSupported(SSError):
    """An SS endpoint this service does not implement (yet); answered 501, never 404/405."""

    status_code = 501
