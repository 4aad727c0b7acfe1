"""Load settings: defaults, then environment, then an explicit mapping (tests)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from config import defaults


def _coerce(default: Any, raw: str) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


@dataclass(frozen=True)
class Settings:
    """Every setting of the service, read once at start-up."""

    values: Mapping[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def data_dir(self) -> Path:
        """Absolute data directory."""
        return Path(self.SS_DATA_DIR).resolve()

    @property
    def redis_url(self) -> str:
        """The configured Redis, else the one `sspkg run` recorded in the data directory."""
        if self.REDIS_URL:
            return self.REDIS_URL
        recorded = self.data_dir / "redis" / "url"
        if recorded.exists():
            return recorded.read_text().strip()
        raise RuntimeError(
            "REDIS_URL is not set and no private Redis is running: start the service with "
            "`make run` or set REDIS_URL"
        )

    @property
    def retry_intervals(self) -> list[int]:
        """Seconds between retries, as a list."""
        return [int(x) for x in str(self.SS_JOB_RETRY_INTERVALS).split(",") if x.strip()]

    @property
    def queue_names(self) -> list[str]:
        """Queues a worker listens on."""
        return [q.strip() for q in str(self.SS_QUEUES).split(",") if q.strip()]


def load_settings(overrides: Mapping[str, Any] | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from defaults, the environment and `overrides`.

    Args:
        overrides: values that win over everything else (tests pass these).
        environ: the environment to read; `os.environ` when None.
    Returns:
        The frozen settings.
    """
    environ = os.environ if environ is None else environ
    values = {
        name: getattr(defaults, name)
        for name in dir(defaults)
        if name.isupper()
    }
    for name, default in list(values.items()):
        if name in environ and environ[name] != "":
            values[name] = _coerce(default, environ[name])
    values.update(overrides or {})
    return Settings(values=values)
