"""Reads an iCalendar file with Python's icalendar and prints what it saw.

Usage: check_ics.py FILE.ics

Prints one JSON object on standard output: the calendar's PRODID, METHOD,
X-WR-CALNAME and VERSION, the number of VTIMEZONEs, any warnings the parser
raised, and for each VEVENT its UID, SUMMARY, DTSTART, whether DTSTART is a
date, its number of VALARMs and its RELATED-TOs. A DTSTART with a zone is
given in UTC ("2015-08-18T20:00:00Z"), a floating one without "Z", a date
as YYYY-MM-DD. A DTSTART with a TZID is also worked out with the file's own
VTIMEZONE rules instead of the parser's zone database, as
"dtstart_by_vtimezone", so the two can be compared.

Exits 1, saying why on standard error, when the file does not parse, when
the parser recorded an error in any property, or when a TZID is used that
no VTIMEZONE defines.
"""

import datetime
import json
import sys
import warnings

import icalendar

from times import UTC, iso

CALENDAR_PROPERTIES = ("PRODID", "METHOD", "X-WR-CALNAME", "VERSION")


def fail(message):
    print(f"check_ics: {message}", file=sys.stderr)
    sys.exit(1)




def used_tzids(calendar):
    """The TZID parameters used outside the VTIMEZONEs."""
    tzids = set()
    for component in calendar.walk():
        if component.name in ("VTIMEZONE", "STANDARD", "DAYLIGHT"):
            continue
        for _, value in component.property_items(recursive=False):
            tzid = getattr(value, "params", {}).get("TZID")
            if tzid:
                tzids.add(str(tzid))
    return tzids


def parse_errors(calendar):
    """What the parser recorded as broken but did not raise for."""
    return [
        f"{component.name}: {error}"
        for component in calendar.walk()
        for error in component.errors
    ]


def by_vtimezone(prop, zones):
    """DTSTART in UTC using the file's VTIMEZONE rules, or None."""
    tzid = prop.params.get("TZID")
    if not tzid or str(tzid) not in zones:
        return None
    naive = prop.dt.replace(tzinfo=None)
    return iso(naive.replace(tzinfo=zones[str(tzid)]))


def related(event):
    value = event.get("RELATED-TO")
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values]


def summarize_event(event, zones):
    start = event.get("DTSTART")
    value = start.dt if start is not None else None
    return {
        "uid": str(event.get("UID", "")),
        "summary": str(event.get("SUMMARY", "")),
        "dtstart": iso(value) if value is not None else None,
        "dtstart_by_vtimezone": by_vtimezone(start, zones) if value else None,
        "all_day": value is not None and not isinstance(value, datetime.datetime),
        "alarms": sum(1 for c in event.subcomponents if c.name == "VALARM"),
        "related_to": related(event),
        "recurrence_id": iso(event.get("RECURRENCE-ID").dt) if event.get("RECURRENCE-ID") else None,
    }


def summarize(calendar):
    timezones = calendar.walk("VTIMEZONE")
    zones = {str(tz["TZID"]): tz.to_tz(lookup_tzid=False) for tz in timezones}
    return {
        "calendar": {
            name: str(calendar[name]) if name in calendar else None
            for name in CALENDAR_PROPERTIES
        },
        "vtimezones": len(timezones),
        "events": [summarize_event(e, zones) for e in calendar.walk("VEVENT")],
    }


def main(argv):
    if len(argv) != 2:
        fail("usage: check_ics.py FILE.ics")
    with open(argv[1], "rb") as file:
        data = file.read()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            calendar = icalendar.Calendar.from_ical(data)
        except ValueError as error:
            fail(f"{argv[1]} does not parse: {error}")
        errors = parse_errors(calendar)
        if errors:
            fail(f"{argv[1]} has broken properties: " + "; ".join(errors))
        missing = used_tzids(calendar) - {
            str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")
        }
        if missing:
            names = ", ".join(sorted(missing))
            fail(f"{argv[1]} uses TZIDs with no VTIMEZONE: {names}")
        summary = summarize(calendar)
    summary["warnings"] = [f"{w.category.__name__}: {w.message}" for w in caught]
    json.dump(summary, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main(sys.argv)
