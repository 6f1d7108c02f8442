"""Concurrent HTTP load against a running server: a few threads, each with its own connection.

    python -m bench.http_load TARGETS.json --base http://127.0.0.1:8765 --connections 8 --requests 80

TARGETS.json (written by bench.bench when BENCH_TARGETS is set): {name: {"url", "cookie"}}, the
cookie being a logged-in, two-factor-verified session. Prints one JSON line: per target, p50 and
p95 in ms, requests per second, and the errors (status other than 200, or no answer).
Standard library only (threads + http.client), so it needs nothing installed.
"""

import argparse
import http.client
import json
import queue
import statistics
import threading
import time
from urllib.parse import urlsplit


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def load(base, url, *, cookie="", host="testserver", connections=8, requests=80, timeout=60):
    """GET `url` `requests` times over `connections` concurrent connections; figures in ms."""
    parts = urlsplit(base)
    jobs = queue.Queue()
    for _ in range(requests):
        jobs.put(url)
    samples, errors, lock = [], [], threading.Lock()

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        while True:
            try:
                path = jobs.get_nowait()
            except queue.Empty:
                break
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Host": host, "Cookie": cookie})
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                (samples if status == 200 else errors).append(elapsed if status == 200 else status)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    result = {"requests": requests, "connections": connections, "errors": len(errors),
              "per_second": round(len(samples) / wall, 1)}
    if samples:
        result |= {"p50_ms": round(statistics.median(samples), 1), "p95_ms": round(percentile(samples, 0.95), 1)}
    if errors:
        result["error_kinds"] = sorted({str(e) for e in errors})
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("targets")
    parser.add_argument("--base", default="http://127.0.0.1:8765")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--requests", type=int, default=80)
    parser.add_argument("--warmup", type=int, default=8, help="untimed GETs of each target first")
    args = parser.parse_args()
    with open(args.targets, encoding="utf-8") as handle:
        targets = json.load(handle)
    # Each worker process imports views and compiles templates on its first requests of a page:
    # untimed, so that the first target measured does not carry the workers' cold start.
    for t in targets.values():
        if args.warmup:
            load(args.base, t["url"], cookie=t["cookie"], connections=args.connections, requests=args.warmup)
    figures = {name: load(args.base, t["url"], cookie=t["cookie"], connections=args.connections,
                          requests=args.requests) for name, t in targets.items()}
    print(json.dumps({"http": figures}, ensure_ascii=False))


if __name__ == "__main__":
    main()
