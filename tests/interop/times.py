"""What the interoperability scripts share: how a date or time is printed."""
import datetime

UTC = datetime.timezone.utc


def iso(value):
    """A date or time as a string: a date, a UTC time, or a floating time."""
    if not isinstance(value, datetime.datetime):
        return value.isoformat()
    if value.tzinfo is None:
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
