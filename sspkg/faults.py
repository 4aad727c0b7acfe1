"""Fault-injection points for the crash tests: kill the whole worker at a named step.

Inert unless ``SS_FAULT_POINT`` names the point. It fires once: the first
process to reach it creates ``SS_FAULT_MARKER`` and then SIGKILLs its parent
(the RQ worker) and itself (the work-horse), exactly as a host failure would.
"""

from __future__ import annotations

import logging
import os
import signal

logger = logging.getLogger(__name__)


def point(name: str) -> None:
    """Crash here if the environment asks for it (tests only)."""
    if os.environ.get("SS_FAULT_POINT") != name:
        return
    marker = os.environ.get("SS_FAULT_MARKER")
    if not marker:
        return
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return
    logger.warning("fault injection: killing worker and horse at %s", name)
    os.kill(os.getppid(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)
