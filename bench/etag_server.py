#!/usr/bin/env python3
"""A small HTTP server for benchmarks: serves the files of one folder with
validators, and answers conditional GETs with 304 Not Modified.

Usage: etag_server.py ROOT [--bind ADDR]... [--port PORT] [--ready FILE]

Every response to a file carries a strong ETag (a SHA-256 of its bytes) and
a Last-Modified date (its modification time). A GET or HEAD whose
If-None-Match names the current ETag (or `*`) gets 304; so does one without
If-None-Match whose If-Modified-Since is not older than the file (RFC 9110,
section 13.2.2: If-None-Match wins when both are sent). Bodies are read and
hashed once per file version and kept in memory.

--bind may be given several times (default 127.0.0.1); one threaded server
listens on each address, all on the same port. With --port 0 (the default)
the first address gets a free port and the others the same number. When all
are listening, the port is written to --ready FILE (written to a temporary
name, then renamed), so a caller can wait for that file to appear.

GET /__stats answers with a JSON object of response counts by status
({"200": n, "304": n, "404": n, ...}) since start or the last
GET /__stats?reset=1, which also zeroes them.

Python 3.11 standard library only. Stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import json
import os
import signal
import sys
import threading
from collections import Counter
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

STATS_PATH = "/__stats"


class Files:
    """The served folder: each file's bytes and validators, cached by
    (size, mtime) so that an edited file is hashed again."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.lock = threading.Lock()
        self.cache: dict[Path, tuple[tuple[int, int], bytes, str, str, float]] = {}

    def lookup(self, url_path: str):
        """(body, etag, last_modified, mtime) of the file at `url_path`, or
        None when there is no such regular file inside the root."""
        relative = unquote(url_path).lstrip("/")
        if not relative or "\x00" in relative:
            return None
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        stat = path.stat()
        key = (stat.st_size, stat.st_mtime_ns)
        with self.lock:
            cached = self.cache.get(path)
        if cached is None or cached[0] != key:
            body = path.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
            mtime = float(int(stat.st_mtime))  # HTTP dates have whole seconds
            last_modified = email.utils.formatdate(mtime, usegmt=True)
            cached = (key, body, etag, last_modified, mtime)
            with self.lock:
                self.cache[path] = cached
        return cached[1:]


def etag_matches(header: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison: W/ prefixes are ignored."""
    if header.strip() == "*":
        return True
    current = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == current for tag in header.split(","))


def not_modified_since(header: str, mtime: float) -> bool:
    try:
        since = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False  # an invalid date is ignored
    if since is None or since.tzinfo is None:
        return False
    return mtime <= since.timestamp()


def make_handler(files: Files, stats: Counter, stats_lock: threading.Lock):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real server would
        server_version = "etag-bench/1"

        def count(self, status: int) -> None:
            with stats_lock:
                stats[str(status)] += 1

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            pass  # quiet: a log line per request would skew the figures

        def simple(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def stats(self, query: str) -> None:
            with stats_lock:
                body = json.dumps(dict(sorted(stats.items()))).encode() + b"\n"
                if "reset=1" in query.split("&"):
                    stats.clear()
            self.simple(HTTPStatus.OK, body, "application/json")

        def do_GET(self) -> None:  # noqa: N802
            url = urlsplit(self.path)
            if url.path == STATS_PATH:
                self.stats(url.query)
                return
            found = files.lookup(url.path)
            if found is None:
                self.count(404)
                self.simple(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")
                return
            body, etag, last_modified, mtime = found
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            if inm is not None:
                unchanged = etag_matches(inm, etag)
            else:
                unchanged = ims is not None and not_modified_since(ims, mtime)
            if unchanged:
                self.count(304)
                self.send_response(HTTPStatus.NOT_MODIFIED)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", last_modified)
                self.end_headers()
                return
            self.count(200)
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", last_modified)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_HEAD = do_GET  # noqa: N815

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("root", type=Path, help="the folder to serve")
    parser.add_argument("--bind", action="append", default=[], metavar="ADDR",
                        help="an address to listen on (repeatable; default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="0: a free port (default)")
    parser.add_argument("--ready", type=Path, metavar="FILE",
                        help="write the port here once listening")
    args = parser.parse_args(argv[1:])
    if not args.root.is_dir():
        parser.error(f"not a folder: {args.root}")
    addresses = args.bind or ["127.0.0.1"]

    files = Files(args.root)
    stats: Counter = Counter()
    handler = make_handler(files, stats, threading.Lock())
    servers: list[Server] = []
    port = args.port
    try:
        for address in addresses:
            server = Server((address, port), handler)
            port = server.server_address[1]
            servers.append(server)
    except OSError as e:
        print(f"etag_server.py: cannot listen on {address}:{port}: {e}", file=sys.stderr)
        return 1

    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    if args.ready:
        tmp = args.ready.with_name(args.ready.name + ".tmp")
        tmp.write_text(f"{port}\n")
        os.replace(tmp, args.ready)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    for server in servers:
        server.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
