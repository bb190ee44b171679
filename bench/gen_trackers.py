#!/usr/bin/env python3
"""Generate tracker datasets the size of the real ones, for bench/trackers.sh.

ccfddl: SERIES YAML files (default 350) in ten category folders, each series
with three editions, each of one round with an abstract and a paper
deadline (2,100 deadlines for 350 series), in the zones the dataset uses. confs.tech: EVENTS conferences (default 1000) over
yearly topic files, a fifth of them listed under two topics, most with a
cfpEndDate.

Usage: gen_trackers.py OUT_DIR [SERIES] [EVENTS]
"""

import json
import random
import sys
from pathlib import Path

CATEGORIES = ["AI", "CG", "CT", "DB", "DS", "HI", "MX", "NW", "SC", "SE"]
ZONES = ["AoE", "UTC-12", "UTC-8", "UTC-7", "UTC", "UTC+8", "PT"]
TOPICS = ["javascript", "python", "devops", "data", "security", "ux", "general", "rust"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December"]


def series_yaml(rng, n):
    name = f"CONF{n:03d}"
    lines = [
        f"- title: {name}",
        f"  description: Generated Conference Number {n}",
        f"  sub: {CATEGORIES[n % len(CATEGORIES)]}",
        "  rank:",
        f"    ccf: {'ABC'[n % 3]}",
        f"    core: {['A*', 'A', 'B', 'C'][n % 4]}",
        "    thcpl: N",
        f"  dblp: conf{n}",
        "  confs:",
    ]
    for year in (2024, 2025, 2026):
        month = rng.randrange(1, 13)
        day = rng.randrange(1, 20)
        lines += [
            f"    - year: {year}",
            f"      id: conf{n}{year % 100}",
            f"      link: https://example.org/{name.lower()}/{year}",
            "      timeline:",
        ]
        for rnd in (1,):
            m = (month + rnd * 2) % 12 + 1
            lines += [
                f"        - abstract_deadline: '{year - 1}-{m:02d}-{day:02d} 23:59:59'",
                f"          deadline: '{year - 1}-{m:02d}-{day + 7:02d} 23:59:59'",
                f"          comment: round {rnd}",
            ]
        lines += [
            f"      timezone: {rng.choice(ZONES)}",
            f"      date: {MONTHS[month - 1]} {day}-{day + 3}, {year}",
            "      place: Somewhere, Earth",
        ]
    return "\n".join(lines) + "\n"


def confs_tech(rng, events):
    files = {}
    for n in range(events):
        year = 2025 + n % 2
        month = rng.randrange(1, 13)
        day = rng.randrange(1, 25)
        record = {
            "name": f"DevConf {n:04d}",
            "url": f"https://example.org/devconf-{n}",
            "startDate": f"{year}-{month:02d}-{day:02d}",
            "endDate": f"{year}-{month:02d}-{day + 2:02d}",
            "city": "Berlin",
            "country": "Germany",
            "online": n % 7 == 0,
        }
        if n % 4 != 0:
            cfp_month = max(1, month - 3)
            record["cfpUrl"] = f"https://example.org/devconf-{n}/cfp"
            record["cfpEndDate"] = f"{year}-{cfp_month:02d}-{day:02d}"
        topics = [TOPICS[n % len(TOPICS)]]
        if n % 5 == 0:
            topics.append(TOPICS[(n + 3) % len(TOPICS)])
        for topic in topics:
            files.setdefault((year, topic), []).append(record)
    return files


def main():
    out = Path(sys.argv[1])
    series = int(sys.argv[2]) if len(sys.argv) > 2 else 350
    events = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    rng = random.Random(14)
    for n in range(series):
        folder = out / "ccfddl" / "conference" / CATEGORIES[n % len(CATEGORIES)]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"conf{n:03d}.yml").write_text(series_yaml(rng, n))
    for (year, topic), records in confs_tech(rng, events).items():
        folder = out / "confs-tech" / "conferences" / str(year)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{topic}.json").write_text(json.dumps(records, indent=2))
    (out / "config.toml").write_text(
        'calendar_name = "Bench"\ndefault_timezone = "UTC"\ndeadline_timezone = "AoE"\n'
        '\n[[source]]\nname = "ccfddl"\nkind = "ccfddl"\npath = "ccfddl/conference"\n'
        '\n[[source]]\nname = "confs-tech"\nkind = "confs-tech"\npath = "confs-tech/conferences"\n'
    )


if __name__ == "__main__":
    main()
