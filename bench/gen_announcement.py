#!/usr/bin/env python3
"""Writes announcements of a given size or shape for bench/extract.sh.

usage: gen_announcement.py KIND SIZE OUT
  KIND  page   a Markdown post of about SIZE bytes: digest items, a dates
               table, prose with ranges, deadlines and distractors
        dates  one sentence listing SIZE dates ("May 1, May 2, ...")
        nested an HTML page whose one sentence sits SIZE <div>s deep
"""
import sys

ITEM = """\
{n}. Storage sprint {n}

The storage team meets on 14-15 March in Leeds, UK, to move the last
libraries to the new build recipes. Travel grants close on February 20.

| Milestone | Date |
|-----------|------|
| Paper submission | March 3, 2031 |
| Author notification | April 10, 2031 |

Registration for attendees closes on May 30, 2031, and the early-bird
rate ends on May 1. The workshop takes place on June 14-15, 2031 at the
Het Pand conference centre in Ghent, Belgium.

"""


def page(size):
    out = ["---\ntitle: Bench digest\ndate: 2031-01-01\n---\n\n"]
    total, n = len(out[0]), 0
    while total < size:
        n += 1
        item = ITEM.format(n=n)
        out.append(item)
        total += len(item)
    return "".join(out)


def dates(count):
    days = ", ".join(f"May {1 + i % 28}" for i in range(count))
    return f"# Bench Summit 2031\n\nDeadlines: {days}.\n"


def nested(depth):
    return "<div>" * depth + "CFP closes May 1, 2031" + "</div>" * depth + "\n"


def main():
    kind, size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    text = {"page": page, "dates": dates, "nested": nested}[kind](size)
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
