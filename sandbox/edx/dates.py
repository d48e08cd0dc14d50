"""DRF DateTimeField behaviour as edX configures it (docs/platforms/edx.md §7)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

# DRF's message for an unparsable datetime (docs/platforms/edx.md §2, §7).
WRONG_FORMAT = (
    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)


def parse_datetime(value: Any) -> datetime:
    """Accept `Z`, explicit offsets and naive values (read as UTC: TIME_ZONE='UTC')."""
    if not isinstance(value, str):
        raise ValueError(WRONG_FORMAT)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(WRONG_FORMAT) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """DRF's ISO-8601 output: UTC ends in `Z`, microseconds only when non-zero."""
    text = value.astimezone(UTC).replace(tzinfo=None).isoformat()
    return text + "Z"


def normalise(value: Any) -> str:
    """Parse then format: the canonical stored form of an input datetime."""
    return format_datetime(parse_datetime(value))


def now_iso() -> str:
    return format_datetime(datetime.now(UTC))
