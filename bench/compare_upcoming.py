#!/usr/bin/env python3
"""Compares the occurrences `confcal upcoming --format json` lists with the
ones the Python peer (py_upcoming.py) prints, for the same file and window.

usage: compare_upcoming.py PEER.txt CONFCAL.json [--ics FILE.ics] [--examples 20]
                           [--vevents 1] [--summary OUT.tsv] [--strict]

PEER.txt holds the peer's lines `YYYY-MM-DD HH:MM UTC  SUMMARY  [UID]`;
CONFCAL.json is confcal's array of items (deadlines are ignored). An
occurrence is keyed by (UTC start minute, UID), both sides as multisets.

Prints the counts on each side, how many match, and up to --examples
occurrences found only by the peer and only by confcal. With --ics, each
difference is also put in a class by what its VEVENT says (start form,
rule, EXDATE, overrides, and for a UID that both sides list at different
minutes up to 12 hours apart, by how far apart they are), and --vevents VEVENTs of each class
are printed as written in the file, to judge which side is right.

--summary writes `key<TAB>value` lines (counts) for the caller's table.
Exits 0 unless an input cannot be read, or with --strict when the lists
differ (status 1). Standard library only.
"""
import argparse
import collections
import datetime as dt
import json
import re
import sys

PEER_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d) UTC  (.*)  \[(.*)\]$")


def read_peer(path):
    """(minute, uid) -> titles, from the peer's standard output."""
    out = collections.defaultdict(list)
    bad = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if not line:
                continue
            m = PEER_LINE.match(line)
            if not m:
                bad += 1
                if bad <= 3:
                    print(f"compare: peer line not understood: {line!r}", file=sys.stderr)
                continue
            out[(m.group(1), m.group(3))].append({"title": m.group(2)})
    return out, bad


def read_confcal(path):
    """(minute, uid) -> items, from confcal's JSON."""
    with open(path, encoding="utf-8") as f:
        items = json.load(f)
    out = collections.defaultdict(list)
    for item in items:
        if item.get("type") != "event":
            continue
        start = dt.datetime.strptime(item["start_utc"], "%Y-%m-%dT%H:%M:%SZ")
        out[(start.strftime("%Y-%m-%d %H:%M"), item["uid"])].append(item)
    return out


def diff(peer, confcal):
    """Matched count and the unmatched occurrences of each side, in order."""
    matched = 0
    only_peer, only_confcal = [], []
    for key in sorted(set(peer) | set(confcal)):
        a, b = peer.get(key, []), confcal.get(key, [])
        n = min(len(a), len(b))
        matched += n
        only_peer += [(key, x) for x in a[n:]]
        only_confcal += [(key, x) for x in b[n:]]
    return matched, only_peer, only_confcal


def show_peer(key, x):
    return f"{key[0]} UTC  {key[1]}  {x['title']!r}"


def show_confcal(key, x):
    extra = f"start={x.get('start')} end={x.get('end')}"
    if x.get("recurrence_id"):
        extra += f" recurrence_id={x['recurrence_id']}"
    return f"{key[0]} UTC  {key[1]}  {x.get('title')!r}  ({extra})"


# --- what the file says about an event ----------------------------------------

def vevents_of(path, uids):
    """UID -> list of VEVENT texts (as written, folded), for the UIDs asked."""
    found = collections.defaultdict(list)
    block, uid = None, None
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        for raw in f:
            line = raw.rstrip("\r\n")
            if line == "BEGIN:VEVENT":
                block, uid = [line], None
            elif block is not None:
                block.append(line)
                if line.startswith("UID:") and uid is None:
                    uid = line[4:]
                elif line == "END:VEVENT":
                    if uid in uids:
                        found[uid].append("\n".join(block))
                    block = None
    return found


def unfolded(text):
    return text.replace("\n ", "").replace("\n\t", "").split("\n")


def prop(lines, name):
    """The first property NAME: (params, value), or None."""
    for line in lines:
        head, _, value = line.partition(":")
        parts = head.split(";")
        if parts[0].upper() == name:
            return parts[1:], value
    return None


def form(p):
    """How a DTSTART is written: date, UTC, TZID=zone or floating."""
    if p is None:
        return "none"
    params, value = p
    if any(x.upper() == "VALUE=DATE" for x in params) or len(value) == 8:
        return "date"
    if value.endswith("Z"):
        return "utc"
    for x in params:
        if x.upper().startswith("TZID="):
            return "tzid"
    return "floating"


def signature(texts):
    """A class name for an event from its VEVENTs (master and overrides)."""
    masters = [unfolded(t) for t in texts if prop(unfolded(t), "RECURRENCE-ID") is None]
    overrides = [unfolded(t) for t in texts if prop(unfolded(t), "RECURRENCE-ID") is not None]
    lines = masters[0] if masters else (overrides[0] if overrides else [])
    parts = [form(prop(lines, "DTSTART"))]
    rule = prop(lines, "RRULE")
    if rule:
        r = dict(kv.split("=", 1) for kv in rule[1].split(";") if "=" in kv)
        end = "COUNT" if "COUNT" in r else ("UNTIL" if "UNTIL" in r else "open")
        if end == "UNTIL":
            end += "(date)" if len(r["UNTIL"]) == 8 else "(date-time)"
        parts.append(f"RRULE {r.get('FREQ', '?')} {end}")
    else:
        parts.append("single")
    if prop(lines, "EXDATE"):
        parts.append("EXDATE")
    if overrides:
        parts.append("RECURRENCE-ID override")
    return ", ".join(parts)


# Occurrences of one UID this close are taken for the same one, moved.
PAIR_WITHIN = 12 * 60


def minutes(a, b):
    """b - a in minutes, for two 'YYYY-MM-DD HH:MM' minutes."""
    f = "%Y-%m-%d %H:%M"
    return int((dt.datetime.strptime(b, f) - dt.datetime.strptime(a, f)).total_seconds() // 60)


def shift(a, b):
    """b - a for two 'YYYY-MM-DD HH:MM' minutes, as text."""
    d = minutes(a, b)
    sign = "+" if d >= 0 else "-"
    h, m = divmod(abs(d), 60)
    return f"{sign}{h}h{m:02d}" if m else f"{sign}{h}h"


def classify(only_peer, only_confcal, ics, examples, n_vevents):
    uids = {k[1] for k, _ in only_peer} | {k[1] for k, _ in only_confcal}
    texts = vevents_of(ics, uids)
    by_uid_p = collections.defaultdict(list)
    by_uid_c = collections.defaultdict(list)
    for key, x in only_peer:
        by_uid_p[key[1]].append((key, x))
    for key, x in only_confcal:
        by_uid_c[key[1]].append((key, x))
    classes = collections.defaultdict(list)  # name -> [(uid, lines)]
    for uid in sorted(uids):
        p, c = by_uid_p.get(uid, []), by_uid_c.get(uid, [])
        sig = signature(texts.get(uid, []))
        # A UID both sides list at different minutes: pair each peer-only
        # occurrence with the nearest confcal-only one (closest first, at
        # most PAIR_WITHIN apart); the rest stay unpaired.
        pairs = sorted((abs(minutes(kp[0], kc[0])), i, j)
                       for i, (kp, _) in enumerate(p) for j, (kc, _) in enumerate(c)
                       if abs(minutes(kp[0], kc[0])) <= PAIR_WITHIN)
        used_p, used_c = set(), set()
        for _, i, j in pairs:
            if i in used_p or j in used_c:
                continue
            used_p.add(i)
            used_c.add(j)
            (kp, xp), (kc, xc) = p[i], c[j]
            name = f"same UID, confcal {shift(kp[0], kc[0])} from peer | {sig}"
            classes[name].append((uid, [f"peer:    {show_peer(kp, xp)}",
                                        f"confcal: {show_confcal(kc, xc)}"]))
        for i, (kp, xp) in enumerate(p):
            if i not in used_p:
                classes[f"only in peer | {sig}"].append((uid, [f"peer:    {show_peer(kp, xp)}"]))
        for j, (kc, xc) in enumerate(c):
            if j not in used_c:
                classes[f"only in confcal | {sig}"].append((uid, [f"confcal: {show_confcal(kc, xc)}"]))
    print(f"\n== difference classes (by the VEVENT in {ics})")
    for name, rows in sorted(classes.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        n_uids = len({u for u, _ in rows})
        print(f"\n-- {len(rows)} x [{name}]  ({n_uids} UIDs)")
        for uid, lines in rows[:min(examples, 5)]:
            for line in lines:
                print(f"   {line}")
        shown = []
        for uid, _ in rows:
            if uid not in shown:
                shown.append(uid)
            if len(shown) >= n_vevents:
                break
        for uid in shown:
            print(f"   VEVENT(s) of {uid}:")
            for t in texts.get(uid, ["   (not found in the file)"]):
                for line in t.split("\n"):
                    print(f"      {line}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("peer")
    ap.add_argument("confcal")
    ap.add_argument("--ics", help="the calendar both read: classify differences by their VEVENT")
    ap.add_argument("--examples", type=int, default=20)
    ap.add_argument("--vevents", type=int, default=1, help="VEVENTs printed per class (with --ics)")
    ap.add_argument("--summary", help="write key<TAB>value counts here")
    ap.add_argument("--strict", action="store_true", help="exit 1 when the lists differ")
    a = ap.parse_args()

    peer, bad = read_peer(a.peer)
    confcal = read_confcal(a.confcal)
    n_peer = sum(len(v) for v in peer.values())
    n_confcal = sum(len(v) for v in confcal.values())
    matched, only_peer, only_confcal = diff(peer, confcal)

    print("== occurrences compared by (UTC start minute, UID)")
    print(f"   peer:            {n_peer}" + (f"  ({bad} lines not understood)" if bad else ""))
    print(f"   confcal:         {n_confcal}")
    print(f"   matching:        {matched}")
    print(f"   only in peer:    {len(only_peer)}")
    print(f"   only in confcal: {len(only_confcal)}")
    for title, rows, show in (("only in peer", only_peer, show_peer),
                              ("only in confcal", only_confcal, show_confcal)):
        if rows:
            print(f"\n-- {title}: first {min(a.examples, len(rows))} of {len(rows)}")
            for key, x in rows[:a.examples]:
                print(f"   {show(key, x)}")
    if a.ics and (only_peer or only_confcal):
        classify(only_peer, only_confcal, a.ics, a.examples, a.vevents)
    if a.summary:
        with open(a.summary, "w", encoding="utf-8") as f:
            for k, v in (("peer", n_peer), ("confcal", n_confcal), ("matching", matched),
                         ("only_peer", len(only_peer)), ("only_confcal", len(only_confcal)),
                         ("peer_unparsed", bad)):
                f.write(f"{k}\t{v}\n")
    sys.exit(1 if a.strict and (only_peer or only_confcal or bad) else 0)


if __name__ == "__main__":
    main()
