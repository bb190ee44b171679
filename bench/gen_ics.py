#!/usr/bin/env python3
"""Generate deterministic iCalendar feeds for benchmarking confcal's refresh.

Usage: gen_ics.py OUT_DIR N_FEEDS EVENTS_PER_FEED [SEED]

Writes OUT_DIR/feed-001.ics ... OUT_DIR/feed-NNN.ics, each a VCALENDAR
(RFC 5545: VERSION, PRODID, CRLF line endings, lines folded at 75 octets)
holding EVENTS_PER_FEED VEVENTs. Every event has a UID, DTSTAMP, DTSTART,
DTEND, SUMMARY and LOCATION; the start is a UTC date-time, a local time in
Europe/Berlin (the feed carries a matching VTIMEZONE) or a date (all-day,
VALUE=DATE); some events recur (RRULE with COUNT or UNTIL), some have a
DESCRIPTION, CATEGORIES or URL.

The output depends only on the arguments: each feed has its own random
generator seeded from SEED and the feed's number, and there is no clock.
Prints the number of files and bytes written on standard error. Python 3.11
standard library only.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

CRLF = "\r\n"
DTSTAMP = "20260101T000000Z"

# Europe/Berlin as a VTIMEZONE: EU rules (last Sunday of March and October),
# in force since 1996.
BERLIN = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Berlin",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19960331T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19961027T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
]

KINDS = ["Conference", "Workshop", "Summit", "Meetup", "Hackathon", "Sprint",
         "Tutorial", "Symposium", "Birds-of-a-Feather", "Keynote"]
TOPICS = ["Virtualization", "KVM", "Xen", "QEMU", "Kernel", "Storage",
          "Networking", "Cloud", "Security", "Compilers", "Embedded", "Rust"]
CITIES = ["Berlin, Germany", "Prague, Czech Republic", "Zürich, Switzerland",
          "São Paulo, Brazil", "Seattle, WA, USA", "Tokyo, Japan",
          "Barcelona, Spain", "Dublin, Ireland", "Lyon, France",
          "Nairobi, Kenya", "Bengaluru, India", "Kraków, Poland"]
VENUES = ["Convention Centre", "University Campus, Room 1.04", "Congress Hall",
          "Hotel Ballroom B", "Tech Hub; 3rd floor", "Innovation Park"]
CATEGORIES = ["talk", "kvm", "xen", "qemu", "kernel", "storage", "networking",
              "security", "cloud", "rust", "tutorial", "social"]
WORDS = ("talks tutorials keynotes hallway track developers users maintainers "
         "research industry community roadmap design sessions lightning posters "
         "demos workshops hands-on upstream downstream performance tracing "
         "live-migration scheduling memory devices firmware").split()

FIRST_DAY = dt.date(2025, 1, 1)
SPAN_DAYS = 3 * 365


def escape(text: str) -> str:
    """An RFC 5545 TEXT value: backslash, semicolon, comma and newline escaped."""
    return (text.replace("\\", "\\\\").replace(";", "\\;")
            .replace(",", "\\,").replace("\n", "\\n"))


def fold(line: str) -> list[str]:
    """Splits a content line into lines of at most 75 octets, never inside
    a UTF-8 sequence; continuation lines start with a space."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return [line]
    out = []
    start, limit = 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1  # back off to the start of a UTF-8 sequence
        out.append(data[start:end].decode("utf-8"))
        start, limit = end, 74  # the leading space takes one octet
    return [out[0]] + [" " + part for part in out[1:]]


def utc(t: dt.datetime) -> str:
    return t.strftime("%Y%m%dT%H%M%SZ")


def local(t: dt.datetime) -> str:
    return t.strftime("%Y%m%dT%H%M%S")


def date(d: dt.date) -> str:
    return d.strftime("%Y%m%d")


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def rrule(rng: random.Random, kind: str, start: dt.datetime | dt.date) -> str:
    """A bounded recurrence rule. UNTIL is a date for all-day events and a
    UTC date-time otherwise, as RFC 5545 requires."""
    choice = rng.randrange(5)
    if choice == 0:
        rule = f"FREQ=WEEKLY;COUNT={rng.randrange(4, 16)}"
    elif choice == 1:
        rule = f"FREQ=MONTHLY;BYDAY=1TU;COUNT={rng.randrange(3, 12)}"
    elif choice == 2:
        rule = f"FREQ=YEARLY;COUNT={rng.randrange(2, 5)}"
    elif choice == 3:
        rule = f"FREQ=DAILY;INTERVAL=2;COUNT={rng.randrange(2, 6)}"
    else:
        day = start.date() if isinstance(start, dt.datetime) else start
        until_day = day + dt.timedelta(days=rng.randrange(30, 180))
        if kind == "date":
            until = date(until_day)
        else:
            until = utc(dt.datetime.combine(until_day, dt.time(23, 59, 59)))
        rule = f"FREQ=WEEKLY;BYDAY=MO,WE;UNTIL={until}"
    return "RRULE:" + rule


def event(rng: random.Random, feed: int, n: int) -> list[str]:
    day = FIRST_DAY + dt.timedelta(days=rng.randrange(SPAN_DAYS))
    topic, kind = rng.choice(TOPICS), rng.choice(KINDS)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{feed:03d}-{n:05d}@bench.confcal.example",
        f"DTSTAMP:{DTSTAMP}",
    ]
    style = rng.random()
    if style < 0.25:
        kind_of_start = "date"
        start: dt.datetime | dt.date = day
        end = day + dt.timedelta(days=rng.randrange(1, 5))  # exclusive
        lines.append(f"DTSTART;VALUE=DATE:{date(day)}")
        lines.append(f"DTEND;VALUE=DATE:{date(end)}")
    else:
        start = dt.datetime.combine(day, dt.time(rng.randrange(7, 20), rng.choice([0, 15, 30, 45])))
        end_t = start + dt.timedelta(minutes=rng.choice([30, 45, 60, 90, 120, 240, 480]))
        if style < 0.60:
            kind_of_start = "utc"
            lines.append(f"DTSTART:{utc(start)}")
            lines.append(f"DTEND:{utc(end_t)}")
        else:
            kind_of_start = "berlin"
            lines.append(f"DTSTART;TZID=Europe/Berlin:{local(start)}")
            lines.append(f"DTEND;TZID=Europe/Berlin:{local(end_t)}")
    if rng.random() < 0.08:
        lines.append(rrule(rng, kind_of_start, start))
    lines.append(f"SUMMARY:{escape(f'{topic} {kind} #{n} ({day.year})')}")
    lines.append(f"LOCATION:{escape(f'{rng.choice(VENUES)}, {rng.choice(CITIES)}')}")
    if rng.random() < 0.5:
        lines.append(f"DESCRIPTION:{escape(sentence(rng, rng.randrange(6, 40)))}")
    if rng.random() < 0.4:
        cats = sorted(rng.sample(CATEGORIES, rng.randrange(1, 4)))
        lines.append("CATEGORIES:" + ",".join(escape(c) for c in cats))
    if rng.random() < 0.3:
        lines.append(f"URL:https://events.example.org/{day.year}/{feed:03d}/{n}")
    lines.append("END:VEVENT")
    return lines


def feed_text(feed: int, events: int, seed: int) -> str:
    rng = random.Random(f"confcal-bench-ics/{seed}/{feed}")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//confcal//refresh benchmark//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:Benchmark feed {feed:03d}",
        *BERLIN,
    ]
    for n in range(events):
        lines.extend(event(rng, feed, n))
    lines.append("END:VCALENDAR")
    out = []
    for line in lines:
        out.extend(fold(line))
    return CRLF.join(out) + CRLF


def main(argv: list[str]) -> int:
    if not 4 <= len(argv) <= 5:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        out_dir = Path(argv[1])
        n_feeds, per_feed = int(argv[2]), int(argv[3])
        seed = int(argv[4]) if len(argv) > 4 else 20260101
    except ValueError as e:
        print(f"gen_ics.py: {e}", file=sys.stderr)
        return 2
    if n_feeds < 1 or per_feed < 0:
        print("gen_ics.py: need N_FEEDS >= 1 and EVENTS_PER_FEED >= 0", file=sys.stderr)
        return 2
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("feed-*.ics"):
        old.unlink()
    total = 0
    for feed in range(1, n_feeds + 1):
        data = feed_text(feed, per_feed, seed).encode("utf-8")
        (out_dir / f"feed-{feed:03d}.ics").write_bytes(data)
        total += len(data)
    print(f"wrote {n_feeds} feeds x {per_feed} events ({total / 1e6:.1f} MB) under {out_dir}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
