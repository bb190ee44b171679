"""Expands an iCalendar file with recurring-ical-events and prints the occurrences.

Usage: expand.py FILE.ics START END

START and END are dates (YYYY-MM-DD) or date-times in ISO 8601 such as
2012-09-01T00:00:00Z; the window is what
`recurring_ical_events.of(calendar).between(START, END)` makes of them: the
occurrences that overlap it. Prints a JSON list with one object per
occurrence it yields, in the order it yields them: its UID, SUMMARY, DTSTART
and RECURRENCE-ID (null when absent; recurring-ical-events gives every
occurrence one, a single event's being its DTSTART). A time with a zone is
given in UTC ("2012-09-04T14:00:00Z"), a floating one without "Z", a date as
YYYY-MM-DD.

Exits 1, saying why on standard error, when the file does not parse or
cannot be expanded.
"""

import datetime
import json
import sys

import icalendar
import recurring_ical_events

from times import UTC, iso



def fail(message):
    print(f"expand: {message}", file=sys.stderr)
    sys.exit(1)




def moment(text):
    """A window bound: a date when it is one, a date-time otherwise."""
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        # Python before 3.11 does not read "Z".
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        fail(f"{text!r} is neither a date nor a date-time")


def occurrence(event):
    recurrence_id = event.get("RECURRENCE-ID")
    return {
        "uid": str(event.get("UID", "")),
        "summary": str(event.get("SUMMARY", "")),
        "dtstart": iso(event["DTSTART"].dt),
        "recurrence_id": iso(recurrence_id.dt) if recurrence_id else None,
    }


def main(argv):
    if len(argv) != 4:
        fail("usage: expand.py FILE.ics START END")
    path, start, end = argv[1], moment(argv[2]), moment(argv[3])
    with open(path, "rb") as file:
        data = file.read()
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError as error:
        fail(f"{path} does not parse: {error}")
    try:
        events = recurring_ical_events.of(calendar).between(start, end)
        occurrences = [occurrence(e) for e in events]
    except Exception as error:  # noqa: BLE001 - any failure is the answer
        fail(f"{path} cannot be expanded: {type(error).__name__}: {error}")
    json.dump(occurrences, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main(sys.argv)
