#!/usr/bin/env python3
"""Probes for bench/serve.sh: a running `confcal serve` seen from outside.

Usage:
  serve_probe.py memory PID
      Prints "VmRSS VmHWM RssAnon RssFile" (KiB) from /proc/PID/status:
      RssFile is mostly the binary's own pages, shared and clean.

  serve_probe.py cpu PID...
      Prints the utime+stime of the processes PID... (all their threads),
      summed, in milliseconds.

  serve_probe.py idle PID SECONDS
      Watches PID for SECONDS without touching it and prints one line of
      key=value figures over that window:
        cpu_ms      utime+stime from /proc/PID/stat (clock ticks, so a
                    resolution of 1000/CLK_TCK ms)
        sched_ms    time on a CPU summed over all threads, from
                    /proc/PID/task/*/schedstat (nanoseconds)
        slices      times any thread was put on a CPU (schedstat's third
                    field): every wakeup of every thread counts once
        vol_cs / invol_cs  voluntary and involuntary context switches,
                    summed over all threads (/proc/PID/task/*/status)
        woken       the threads that ran in the window, as name:slices
        threads     thread count at the end
      Threads born or gone during the window count from zero / until gone.

  serve_probe.py latency URL FILE TRIALS TMPDIR [POLL_MS]
      TRIALS times: reads the current ETag of URL (HEAD), writes FILE anew
      with one event's `location` changed to carry a marker unique to the
      trial, by atomic rename (written under TMPDIR, on the same file
      system, then os.replace onto FILE), and polls URL with HEAD every
      POLL_MS (default 2): first /healthz (GET) until its `generation`
      grows, the moment the daemon has published the new snapshot; then
      URL (HEAD) until the ETag differs, the moment the new feed is served
      (the first request after a new snapshot renders the feed, so this
      adds the rendering). Times run from just before the rename. The
      new body is then fetched (untimed) and must hold the marker. Between
      trials it waits for the daemon to go quiet. Prints "FEED_MS
      PUBLISH_MS" per trial on standard error, then on standard output
      "median=… min=… max=… (published: median=…)" for FEED_MS.

Python 3.11 standard library only. Talks to 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def memory(pid: int) -> tuple[int, ...]:
    fields = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return tuple(int(fields[k][0]) for k in ("VmRSS", "VmHWM", "RssAnon", "RssFile"))


def proc_cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        text = f.read()
    # The command name is in parentheses and may hold spaces.
    rest = text[text.rindex(")") + 2:].split()
    # Fields 14 and 15 (utime, stime) are rest[11] and rest[12].
    return int(rest[11]) + int(rest[12])


def threads(pid: int) -> dict[int, dict]:
    """Per thread: name, nanoseconds on CPU, timeslices, context switches."""
    out: dict[int, dict] = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        base = f"/proc/{pid}/task/{tid}"
        try:
            with open(f"{base}/schedstat", encoding="ascii") as f:
                run_ns, _wait_ns, slices = (int(x) for x in f.read().split())
            with open(f"{base}/comm", encoding="utf-8", errors="replace") as f:
                name = f.read().strip()
            vol = invol = 0
            with open(f"{base}/status", encoding="ascii") as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches:"):
                        vol = int(line.split()[1])
                    elif line.startswith("nonvoluntary_ctxt_switches:"):
                        invol = int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            continue  # the thread ended while being read
        out[int(tid)] = {"name": name, "ns": run_ns, "slices": slices,
                         "vol": vol, "invol": invol}
    return out


def idle(pid: int, seconds: float) -> str:
    ticks0, before = proc_cpu_ticks(pid), threads(pid)
    time.sleep(seconds)
    ticks1, after = proc_cpu_ticks(pid), threads(pid)
    zero = {"ns": 0, "slices": 0, "vol": 0, "invol": 0}
    total = {"ns": 0, "slices": 0, "vol": 0, "invol": 0}
    woken = []
    for tid, now in after.items():
        then = before.get(tid, zero)
        delta = {k: now[k] - then[k] for k in total}
        for k in total:
            total[k] += delta[k]
        if delta["slices"]:
            woken.append(f"{now['name'].replace(' ', '_')}:{delta['slices']}")
    return (f"cpu_ms={(ticks1 - ticks0) * TICK_MS:.0f} sched_ms={total['ns'] / 1e6:.3f} "
            f"slices={total['slices']} vol_cs={total['vol']} invol_cs={total['invol']} "
            f"woken={','.join(woken) or '-'} threads={len(after)}")


class Client:
    """HTTP/1.1 keep-alive client to one URL, reconnecting when needed."""

    def __init__(self, url: str):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str) -> tuple[int, str | None, bytes]:
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.conn.request(method, self.path)
                answer = self.conn.getresponse()
                body = answer.read()
                return answer.status, answer.getheader("ETag"), body
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def generation(self) -> int:
        status, _, body = self.request("GET")
        if status != 200:
            raise SystemExit(f"serve_probe.py: GET {self.path} answered {status}")
        return int(json.loads(body)["generation"])

    def etag(self) -> str:
        status, tag, _ = self.request("HEAD")
        if status != 200 or not tag:
            raise SystemExit(f"serve_probe.py: HEAD {self.path} answered {status} without an ETag")
        return tag


LOCATION = re.compile(r'^location = "', re.M)


def unfold(body: bytes) -> str:
    return body.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")


def latency(url: str, path: Path, trials: int, tmp: Path,
            poll_ms: float) -> list[tuple[float, float]]:
    client = Client(url)
    health = Client(urllib.parse.urljoin(url, "/healthz"))
    original = path.read_text(encoding="utf-8")
    if not LOCATION.search(original):
        raise SystemExit(f"serve_probe.py: no `location = ` line in {path}")
    tmp.mkdir(parents=True, exist_ok=True)
    results = []
    for trial in range(1, trials + 1):
        quiet(client)
        old = client.etag()
        marker = f"bench-trial-{trial}-{os.getpid()}"
        text = LOCATION.sub(f'location = "{marker} ', original, count=1)
        staged = tmp / f"{path.name}.{trial}"
        staged.write_text(text, encoding="utf-8")
        generation = health.generation()
        start = time.perf_counter()
        os.replace(staged, path)
        deadline = start + 30
        while health.generation() == generation:
            if time.perf_counter() > deadline:
                raise SystemExit(f"serve_probe.py: trial {trial}: nothing published after 30 s")
            time.sleep(poll_ms / 1000)
        published = time.perf_counter()
        while True:
            _, tag, _ = client.request("HEAD")
            now = time.perf_counter()
            if tag and tag != old:
                break
            if now > deadline:
                raise SystemExit(f"serve_probe.py: trial {trial}: ETag unchanged after 30 s")
            time.sleep(poll_ms / 1000)
        results.append(((now - start) * 1000, (published - start) * 1000))
        status, _, body = client.request("GET")
        if status != 200 or marker not in unfold(body):
            raise SystemExit(f"serve_probe.py: trial {trial}: the new feed lacks `{marker}`")
        print(f"   trial {trial}: {results[-1][0]:.1f} ms (published {results[-1][1]:.1f} ms)",
              file=sys.stderr, flush=True)
    return results


def quiet(client: Client, still_s: float = 0.4, limit_s: float = 10) -> None:
    """Waits until the ETag has not changed for still_s (a reload from the
    previous trial may still be publishing)."""
    tag, since, start = client.etag(), time.perf_counter(), time.perf_counter()
    while time.perf_counter() - since < still_s and time.perf_counter() - start < limit_s:
        time.sleep(0.05)
        now_tag = client.etag()
        if now_tag != tag:
            tag, since = now_tag, time.perf_counter()


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "memory":
        print(*memory(int(argv[2])))
        return 0
    if len(argv) >= 3 and argv[1] == "cpu":
        print(f"{sum(proc_cpu_ticks(int(p)) for p in argv[2:]) * TICK_MS:.0f}")
        return 0
    if len(argv) == 4 and argv[1] == "idle":
        print(idle(int(argv[2]), float(argv[3])))
        return 0
    if len(argv) in (6, 7) and argv[1] == "latency":
        poll = float(argv[6]) if len(argv) == 7 else 2.0
        results = latency(argv[2], Path(argv[3]), int(argv[4]), Path(argv[5]), poll)
        feed = [r[0] for r in results]
        published = [r[1] for r in results]
        print(f"median={statistics.median(feed):.1f} min={min(feed):.1f} "
              f"max={max(feed):.1f} (published: median={statistics.median(published):.1f})")
        return 0
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
