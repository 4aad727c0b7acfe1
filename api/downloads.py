"""HTTP responses that stream package data: files with Range support, tars built on the fly."""

from __future__ import annotations

from typing import IO, Iterator
from urllib.parse import quote

from flask import Response, send_file, stream_with_context

from sspkg import tarstream

CHUNK = 1024 * 1024


def attachment(name: str) -> str:
    """Content-Disposition for a download named `name` (RFC 6266, UTF-8 safe)."""
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def _harden(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


def file_response(path: str, name: str) -> Response:
    """A file as an attachment, with Range, HEAD and conditional requests (werkzeug)."""
    response = send_file(path, mimetype="application/octet-stream", as_attachment=True,
                         download_name=name, conditional=True, etag=True, max_age=0)
    return _harden(response)


def tar_response(directory: str, name: str) -> Response:
    """A directory as a tar generated while it is sent, with its exact Content-Length."""
    entries = tarstream.plan_tar(directory)
    response = Response(stream_with_context(tarstream.stream_tar(entries)),
                        mimetype="application/x-tar", direct_passthrough=True)
    response.headers["Content-Length"] = str(tarstream.tar_length(entries))
    response.headers["Content-Disposition"] = attachment(f"{name}.tar")
    return _harden(response)


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def stream_response(handle: IO[bytes], size: int, name: str) -> Response:
    """An open file-like object streamed as an attachment."""
    response = Response(stream_with_context(_chunks(handle)), mimetype="application/octet-stream",
                        direct_passthrough=True)
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = attachment(name)
    return _harden(response)
