"""A small client of the sspkg HTTP API, for the command line (works from any machine)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import requests

TERMINAL = {"finished", "failed", "stopped", "canceled"}


class ApiError(Exception):
    """The API answered an error; `message` is its JSON message."""

    def __init__(self, status: int, message: str):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


@dataclass
class Client:
    """The API at `url`, as the user of `api_key` (``user:key``)."""

    url: str
    api_key: str
    timeout: float = 30.0

    def _request(self, method: str, path: str, **kwargs) -> dict:
        response = requests.request(method, self.url.rstrip("/") + path, timeout=self.timeout,
                                    headers={"Authorization": f"ApiKey {self.api_key}"},
                                    allow_redirects=False, **kwargs)
        try:
            body = response.json() if response.content else {}
        except ValueError:
            body = {"message": response.text[:200]}
        if response.status_code >= 400:
            raise ApiError(response.status_code, body.get("message", response.reason))
        return body

    def get(self, path: str, **params) -> dict:
        """GET a JSON document."""
        return self._request("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, body: dict | None = None) -> dict:
        """POST a JSON body."""
        return self._request("POST", path, json=body or {})

    def wait(self, job_id: str, on_progress: Callable[[dict], None], poll: float = 0.5) -> dict:
        """Poll a job until it ends, reporting each document; the last one."""
        while True:
            document = self.get(f"/api/v3/jobs/{job_id}")
            on_progress(document)
            if document["status"] in TERMINAL:
                return document
            time.sleep(poll)
