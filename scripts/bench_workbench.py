#!/usr/bin/env python3
"""Times every workbench page over HTTP with N consignments stored (default 100,000).

Fills a fresh data directory through the real server (`aduana serve`, submissions of 1,000 consignments as JSON
Lines over POST /api/consignments, assessed with the shipped profiles), waits until the workbench has indexed them
all, records a few decisions and examinations, logs in through the login form, then requests each page REPEAT
times (default 50) and prints p50 / p99 / max wall time per page, measured by this client over localhost with
keep-alive (so it includes the server's whole handling, and a few tens of microseconds of client and loopback).

Usage:
  python3 scripts/bench_workbench.py [--binary target/release/aduana] [--count 100000] [--repeat 50] [--keep DIR]
"""

import argparse
import http.client
import json
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

OFFICES = ["GBFXT001", "GBLGP001", "NLRTM001", "DEHAM001", "BEANR001", "FRLEH001"]
MODES = ["sea", "air", "road", "rail"]
HS = ["854141", "851762", "293141", "620342", "870323", "090411", "940540", "300490"]
COUNTRIES = ["CN", "TR", "VN", "IN", "US", "AE", "KP", "IR", "BR", "MA"]


def consignment(i, rng):
    country = rng.choice(COUNTRIES)
    mode = rng.choice(MODES)
    # One in twelve goes to an embargoed destination with controlled chemicals: red lane (about 8 % plus the
    # random selections), so that the queue holds thousands of entries as a busy office's would.
    embargoed = i % 12 == 0
    return {
        "reference": f"BENCH{i:08d}",
        "direction": "export" if i % 7 == 0 else "import",
        "mode_of_transport": mode,
        "customs_office": rng.choice(OFFICES),
        "parties": [
            {"role": "consignor", "name": f"Exporter {rng.randrange(3000)} Ltd", "address": {"country": country}},
            {"role": "consignee", "name": f"Importer {rng.randrange(5000)} GmbH", "address": {"country": "DE"}},
        ],
        "itinerary": {"country_of_dispatch": country, "country_of_destination": "KP" if embargoed else "DE"},
        "goods": [
            {
                "sequence": 1,
                "hs_code": "293141" if embargoed else rng.choice(HS),
                "description": "bench goods",
                "gross_mass_kg": str(rng.randrange(1, 20000)),
            }
        ],
    }


def percentile(values, p):
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


class Client:
    def __init__(self, address):
        host, port = address.split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=600)
        self.cookie = None

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        return response, data


def run(cmd, stdin=None):
    out = subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=True)
    return out.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=str(ROOT / "target/release/aduana"))
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--keep", help="use (and keep) this data directory")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    data = Path(args.keep) if args.keep else Path(tmp.name) / "data"
    store = ["--data-dir", str(data)]
    token = run([args.binary, "users", "add", "carrier", "--role", "submitter", *store]).strip().splitlines()[-1]
    password = "bench password 123"
    run([args.binary, "users", "add", "officer", "--role", "officer", "--password-stdin", *store], stdin=password + "\n")
    server = subprocess.Popen(
        [args.binary, "serve", *store, "--listen", "127.0.0.1:0", "--profiles", str(ROOT / "data/profiles"),
         "--rate-per-second", "1000000", "--rate-burst", "1000000"],
        stdout=subprocess.PIPE, text=True)
    try:
        address = server.stdout.readline().strip().removeprefix("listening on http://")
        client = Client(address)
        rng = random.Random(7)
        start = time.time()
        for batch in range(0, args.count, 1000):
            lines = "\n".join(json.dumps(consignment(i, rng)) for i in range(batch, min(args.count, batch + 1000)))
            response, body = client.request("POST", "/api/consignments", lines,
                                            {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"})
            if response.status != 201:
                sys.exit(f"submission failed: {response.status} {body[:300]!r}")
        print(f"submitted {args.count} consignments in {time.time() - start:.1f} s")

        # Log in through the form; keep the session cookie.
        response, _ = client.request("POST", "/workbench/login",
                                     urllib.parse.urlencode({"name": "officer", "password": password}),
                                     {"Content-Type": "application/x-www-form-urlencoded"})
        cookie = response.getheader("Set-Cookie") or ""
        client.cookie = cookie.split(";")[0]
        # Wait until the workbench has indexed every assessment (the lane chart's title says the week's total).
        start = time.time()
        while True:
            _, page = client.request("GET", "/workbench/dashboard?weeks=1")
            found = re.search(rb"the highest week has (\d+)", page)
            if found and int(found.group(1)) >= args.count:
                break
            time.sleep(0.5)
        print(f"workbench indexed them in {time.time() - start:.1f} s more")

        _, page = client.request("GET", "/workbench/queue")
        ids = [int(x) for x in re.findall(rb'href="/workbench/consignments/(\d+)"', page)]
        if not ids:
            sys.exit("the queue is empty: no red or referred consignment among those submitted")
        csrf = re.search(rb'name="_csrf" value="([0-9a-f]+)"', page).group(1).decode()
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        # Some decisions and examinations, so that the history, stats and examination pages have content.
        exam_ids = []
        for cid in ids[:20]:
            client.request("POST", f"/workbench/consignments/{cid}/decide",
                           urllib.parse.urlencode({"_csrf": csrf, "kind": "examine", "justification": "bench"}), form)
            response, _ = client.request("POST", f"/workbench/consignments/{cid}/examine",
                                         urllib.parse.urlencode({"_csrf": csrf, "instructions": "bench"}), form)
            location = response.getheader("Location") or ""
            if location.startswith("/workbench/examinations/"):
                exam_ids.append(int(location.rsplit("/", 1)[1]))
        _, page = client.request("GET", "/workbench/queue")
        ids = [int(x) for x in re.findall(rb'href="/workbench/consignments/(\d+)"', page)]
        all_ids = list(range(1, args.count + 1))

        pages = {
            "queue": lambda: "/workbench/queue",
            "queue, office + mode filter": lambda: f"/workbench/queue?office={rng.choice(OFFICES)}&mode={rng.choice(MODES)}",
            "queue, profile filter": lambda: "/workbench/queue?profile=" + urllib.parse.quote("cwc_schedule_2/2.B.4"),
            "queue, page 20": lambda: "/workbench/queue?page=20",
            "consignment (queue)": lambda: f"/workbench/consignments/{rng.choice(ids)}",
            "consignment (any)": lambda: f"/workbench/consignments/{rng.choice(all_ids)}",
            "examination": lambda: f"/workbench/examinations/{rng.choice(exam_ids)}",
            "examinations list": lambda: "/workbench/examinations?all=1",
            "dashboard (12 weeks)": lambda: "/workbench/dashboard",
            "notifications": lambda: "/workbench/notifications",
        }
        print(f"\n{'page':32} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  bytes")
        for name, path in pages.items():
            times = []
            size = 0
            for _ in range(args.repeat):
                p = path()
                t = time.perf_counter()
                response, body = client.request("GET", p)
                times.append((time.perf_counter() - t) * 1000)
                if response.status != 200:
                    sys.exit(f"{p}: {response.status} {body[:300]!r}")
                size = len(body)
            print(f"{name:32} {percentile(times, 50):8.1f} {percentile(times, 99):8.1f} {max(times):8.1f}  {size}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
