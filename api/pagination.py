"""SS list responses: `{"meta": {limit, offset, next, previous, total_count}, "objects": [...]}`."""

from __future__ import annotations

from typing import Callable, Iterable
from urllib.parse import urlencode

from flask import request

from api.uris import filter_value
from sspkg.exceptions import BadRequest

DEFAULT_LIMIT = 20
MAX_LIMIT = 1000
CONTROL_PARAMS = {"limit", "offset", "order_by", "format", "username", "api_key"}


def non_negative(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise BadRequest(f"{name} must not be negative")
    return value


def filters(allowed: Iterable[str]) -> dict[str, str]:
    """Field filters of the query string; unknown fields are a 400, empty values ignored."""
    allowed = set(allowed)
    found = {}
    for name, value in request.args.items():
        if name in CONTROL_PARAMS or value == "":
            continue
        if name not in allowed:
            raise BadRequest(f"'{name}' is not a filter here; filters: {', '.join(sorted(allowed))}")
        found[name] = filter_value(value)
    return found


def paginate(items: list, render: Callable, sortable: Iterable[str]) -> dict:
    """One page of `items`, ordered by `?order_by=` and rendered as SS renders lists."""
    limit = non_negative("limit", DEFAULT_LIMIT) or MAX_LIMIT
    limit = min(limit, MAX_LIMIT)
    offset = non_negative("offset", 0)
    order_by = request.args.get("order_by")
    if order_by:
        field = order_by.lstrip("-")
        if field not in set(sortable):
            raise BadRequest(f"cannot order by {field!r}; choose one of {', '.join(sorted(sortable))}")
        items = sorted(items, key=lambda item: (getattr(item, field) is None,
                                                str(getattr(item, field))),
                       reverse=order_by.startswith("-"))
    page = items[offset:offset + limit]
    return {
        "meta": {"limit": limit, "offset": offset, "total_count": len(items),
                 "next": _link(offset + limit, limit) if offset + limit < len(items) else None,
                 "previous": _link(max(offset - limit, 0), limit) if offset > 0 else None},
        "objects": [render(item) for item in page],
    }


def _link(offset: int, limit: int) -> str:
    params = {k: v for k, v in request.args.items() if k not in {"limit", "offset", "api_key"}}
    params.update(limit=limit, offset=offset)
    return f"{request.path}?{urlencode(params)}"


def matches(record: dict, wanted: dict[str, str]) -> bool:
    """Whether a record's fields equal every filter (lists match if they contain it)."""
    for name, value in wanted.items():
        field = record.get(name)
        if isinstance(field, list):
            if value not in [str(v) for v in field]:
                return False
        elif str(field if not isinstance(field, bool) else str(field).lower()) != value:
            return False
    return True
