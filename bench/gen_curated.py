#!/usr/bin/env python3
"""Generate a deterministic curated data set for benchmarking confcal.

Usage: gen_curated.py OUT_DIR N_EVENTS DEADLINES_PER_EVENT [N_FILES] [SEED]

Writes OUT_DIR/feeds/bench-NN.toml (N_EVENTS events split over N_FILES files,
default 20) and OUT_DIR/config.toml pointing at the feeds folder. The output
is the same for the same arguments (seeded `random`, no clock, no I/O other
than the files written). Python 3.11 standard library only.

The data covers what the curated loader accepts: events from 2024 to 2028,
all-day and timed (floating, zoned by event or file `timezone`, with a UTC
offset or `Z`), parents by `id`, deadlines as dates or date-times in AoE, UTC,
UTC offsets and IANA zones, and deadlines of one kind told apart by `label`
or `round`.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

EVENT_KINDS = [
    "conference", "workshop", "summit", "hackathon", "meetup",
    "social", "talk", "training", "other",
]
# Weighted so that most events look like conferences and workshops.
EVENT_KIND_WEIGHTS = [30, 20, 10, 8, 8, 6, 6, 6, 6]

DEADLINE_KINDS = [
    "cfp", "abstract", "paper", "registration", "early-bird",
    "notification", "camera-ready", "other",
]

# Zones for events and files: all IANA names that chrono-tz knows.
IANA_ZONES = [
    "Europe/Berlin", "Europe/London", "Europe/Madrid", "Europe/Prague",
    "America/Los_Angeles", "America/New_York", "America/Sao_Paulo",
    "Asia/Tokyo", "Asia/Shanghai", "Asia/Kolkata", "Australia/Sydney",
    "Pacific/Auckland", "Africa/Nairobi",
]
# Zones for deadlines: AoE, UTC, fixed offsets and IANA names.
DEADLINE_ZONES = ["AoE", "AoE", "AoE", "UTC", "UTC+2", "UTC-7", "UTC+5:30",
                  "GMT-3", "Europe/Berlin", "America/Los_Angeles", "Asia/Tokyo"]

CITIES = [
    "Berlin, Germany", "Seattle, WA, USA", "Prague, Czech Republic",
    "Tokyo, Japan", "Barcelona, Spain", "Shanghai, China", "Dublin, Ireland",
    "Boston, MA, USA", "Sydney, Australia", "Nairobi, Kenya",
    "São Paulo, Brazil", "Bengaluru, India", "Lyon, France", "Zürich, Switzerland",
]
VENUES = ["Convention Centre", "University Campus", "Congress Hall",
          "Sheraton Hotel", "Tech Hub", "Innovation Park"]
TOPICS = ["Virtualization", "KVM", "Xen", "Systems", "Storage", "Networking",
          "Kernel", "Cloud", "Security", "Compilers", "Embedded", "Firmware"]
TAGS = ["kvm", "xen", "qemu", "libvirt", "ovirt", "kernel", "storage",
        "networking", "security", "cloud", "usenix", "rust"]
WORDS = ("talks tutorials keynotes hallway track developers users maintainers "
         "research industry community roadmap design sessions lightning "
         "posters demos birds-of-a-feather workshops hands-on").split()

YEAR_FIRST, YEAR_LAST = 2024, 2028


def toml_str(s: str) -> str:
    """A TOML basic string."""
    out = s.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{out}"'


def toml_list(items: list[str]) -> str:
    return "[" + ", ".join(toml_str(i) for i in items) + "]"


def fmt_date(d: dt.date) -> str:
    return d.isoformat()


def fmt_local(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S")


def fmt_offset(t: dt.datetime, minutes: int) -> str:
    if minutes == 0:
        return fmt_local(t) + "Z"
    sign = "+" if minutes > 0 else "-"
    m = abs(minutes)
    return f"{fmt_local(t)}{sign}{m // 60:02d}:{m % 60:02d}"


def random_day(rng: random.Random) -> dt.date:
    first = dt.date(YEAR_FIRST, 1, 1)
    span = (dt.date(YEAR_LAST, 12, 31) - first).days
    return first + dt.timedelta(days=rng.randrange(span + 1))


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


class Generator:
    def __init__(self, n_events: int, per_event: int, n_files: int, seed: int):
        self.rng = random.Random(seed)
        self.n_events = n_events
        self.per_event = per_event
        self.n_files = max(1, min(n_files, max(n_events, 1)))
        self.deadline_count = 0

    def files(self):
        """Yields (file name, text) for every feed file."""
        base, extra = divmod(self.n_events, self.n_files)
        number = 0
        for f in range(self.n_files):
            count = base + (1 if f < extra else 0)
            yield f"bench-{f:02d}.toml", self.file_text(f, number, count)
            number += count

    def file_text(self, f: int, first: int, count: int) -> str:
        rng = self.rng
        lines = [f"# confcal benchmark data, file {f}: events {first} to {first + count - 1}.", ""]
        # A third of the files state a zone for their timed events and deadlines.
        file_zone = rng.choice(IANA_ZONES) if f % 3 == 0 else None
        if file_zone:
            lines.append(f"timezone = {toml_str(file_zone)}")
        lines.append(f"tags = {toml_list([TAGS[f % len(TAGS)]])}")
        lines.append("")
        last_parent: str | None = None
        for n in range(first, first + count):
            # Every tenth event is a side event of the previous main one.
            child = last_parent is not None and n % 10 == 9
            lines.extend(self.event(n, file_zone, last_parent if child else None))
            if n % 10 == 0:
                last_parent = f"ev-{n}"
        return "\n".join(lines) + "\n"

    def event(self, n: int, file_zone: str | None, parent: str | None) -> list[str]:
        rng = self.rng
        kind = rng.choices(EVENT_KINDS, EVENT_KIND_WEIGHTS)[0]
        day = random_day(rng)
        topic = rng.choice(TOPICS)
        # The number keeps names unique: uids come from name + year.
        name = f"{topic} {kind.capitalize()} {n:05d} {day.year}"
        city = rng.choice(CITIES)
        out = ["[[event]]"]
        if n % 10 == 0:
            out.append(f'id = "ev-{n}"')
        if n % 97 == 0:
            out.append(f'uid = "bench-{n}@example.org"')
        out.append(f"name = {toml_str(name)}")
        out.append(f'kind = "{kind}"')

        style = rng.random()
        if style < 0.55:
            # All-day, one to five days.
            end = day + dt.timedelta(days=rng.randrange(5))
            out.append(f"start = {fmt_date(day)}")
            if end != day or rng.random() < 0.5:
                out.append(f"end = {fmt_date(end)}")
        else:
            start = dt.datetime.combine(day, dt.time(rng.randrange(8, 20), rng.choice([0, 15, 30, 45])))
            end = start + dt.timedelta(minutes=rng.choice([30, 45, 60, 90, 120, 240, 480]))
            if style < 0.75:
                # Local time in the event's own zone.
                out.append(f"start = {fmt_local(start)}")
                out.append(f"end = {fmt_local(end)}")
                out.append(f"timezone = {toml_str(rng.choice(IANA_ZONES))}")
            elif style < 0.88:
                # Local time: in the file's zone, or floating when it has none.
                out.append(f"start = {fmt_local(start)}")
                out.append(f"end = {fmt_local(end)}")
            else:
                minutes = rng.choice([0, 60, 120, -420, -300, 330, 540])
                out.append(f"start = {fmt_offset(start, minutes)}")
                out.append(f"end = {fmt_offset(end, minutes)}")

        out.append(f"location = {toml_str(f'{rng.choice(VENUES)}, {city}')}")
        slug = name.lower().replace(" ", "-")
        out.append(f'url = "https://events.example.org/{day.year}/{slug}"')
        if rng.random() < 0.7:
            out.append(f"description = {toml_str(sentence(rng, rng.randrange(8, 30)))}")
        if rng.random() < 0.6:
            out.append(f"tags = {toml_list(sorted(rng.sample(TAGS, rng.randrange(1, 4))))}")
        if parent:
            out.append(f'parent = "{parent}"')
        out.append("")
        out.extend(self.deadlines(day, slug))
        return out

    def deadlines(self, event_day: dt.date, slug: str) -> list[str]:
        rng = self.rng
        k = self.per_event
        # Distinct kinds while they last; beyond eight, kinds repeat and are
        # told apart by `label` or `round`.
        kinds = rng.sample(DEADLINE_KINDS, min(k, len(DEADLINE_KINDS)))
        while len(kinds) < k:
            kinds.append(rng.choice(DEADLINE_KINDS))
        seen: dict[str, int] = {}
        out: list[str] = []
        for kind in kinds:
            seen[kind] = seen.get(kind, 0) + 1
            again = seen[kind]
            out.append("[[event.deadline]]")
            out.append(f'kind = "{kind}"')
            due_day = event_day - dt.timedelta(days=rng.randrange(7, 180))
            style = rng.random()
            if style < 0.45:
                out.append(f"due = {fmt_date(due_day)}")
            elif style < 0.85:
                hour, minute = rng.choice([(23, 59), (12, 0), (17, 0), (23, 59), (9, 30)])
                out.append(f"due = {fmt_local(dt.datetime.combine(due_day, dt.time(hour, minute)))}")
            else:
                t = dt.datetime.combine(due_day, dt.time(23, 59))
                out.append(f"due = {fmt_offset(t, rng.choice([0, -420, 120, 60]))}")
            if style < 0.85 and rng.random() < 0.6:
                out.append(f"timezone = {toml_str(rng.choice(DEADLINE_ZONES))}")
            if again > 1:
                if rng.random() < 0.5:
                    out.append(f'label = "extended {again}"')
                else:
                    out.append(f"round = {again}")
            if rng.random() < 0.3:
                out.append(f'url = "https://events.example.org/{slug}/{kind}"')
            out.append("")
            self.deadline_count += 1
        return out


CONFIG = """\
# confcal benchmark configuration, written by bench/gen_curated.py.
calendar_name = "bench"
default_timezone = "Europe/Berlin"
deadline_timezone = "AoE"

[[source]]
name = "bench"
kind = "curated"
path = "feeds"
"""


def main(argv: list[str]) -> int:
    if not 4 <= len(argv) <= 6:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        out_dir = Path(argv[1])
        n_events = int(argv[2])
        per_event = int(argv[3])
        n_files = int(argv[4]) if len(argv) > 4 else 20
        seed = int(argv[5]) if len(argv) > 5 else 20260101
    except ValueError as e:
        print(f"gen_curated.py: {e}", file=sys.stderr)
        return 2
    if n_events < 1 or per_event < 0 or n_files < 1:
        print("gen_curated.py: need N_EVENTS >= 1, DEADLINES_PER_EVENT >= 0, N_FILES >= 1",
              file=sys.stderr)
        return 2
    feeds = out_dir / "feeds"
    feeds.mkdir(parents=True, exist_ok=True)
    for old in feeds.glob("bench-*.toml"):
        old.unlink()
    gen = Generator(n_events, per_event, n_files, seed)
    total_bytes = 0
    for name, text in gen.files():
        data = text.encode("utf-8")
        (feeds / name).write_bytes(data)
        total_bytes += len(data)
    (out_dir / "config.toml").write_text(CONFIG, encoding="utf-8")
    print(f"wrote {n_events} events, {gen.deadline_count} deadlines in {gen.n_files} files "
          f"({total_bytes / 1e6:.1f} MB) under {feeds}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
