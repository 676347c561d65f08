#!/usr/bin/env python3
"""Where the milliseconds of the end-to-end scenarios go, read from the rows they left.

  bench/e2e-breakdown.py --sqlite DATA_DIR/mindstack.db
  bench/e2e-breakdown.py --psql 'host=127.0.0.1 port=55432 user=postgres dbname=mindstack_bench_…'

For each MindPeeker session, Mindra execution and webhook delivery it joins the outcome's row, its
job (created → claimed → done) and its event (occurred → dispatched) and prints the median and p90
of each hop. Times are the server's own clock, written by the code at each step.
"""
import argparse
import datetime as dt
import json
import re
import sqlite3
import subprocess
import sys

QUERIES = {
    "jobs": "SELECT type, payload, created_at, started_at, completed_at, id FROM jobs_queue",
    "sessions": "SELECT id, created_at, started_at, completed_at FROM mindpeeker_sessions WHERE status = 'completed'",
    "executions": "SELECT id, created_at, started_at, completed_at FROM mindra_executions WHERE status = 'COMPLETED'",
    "events": "SELECT aggregate_id, type, occurred_at, dispatched_at FROM events_outbox WHERE account_id IS NOT NULL",
    "deliveries": "SELECT d.id, d.event_occurred_at, d.created_at, d.job_id, a.attempted_at, a.latency_ms "
                  "FROM webhooks_deliveries d JOIN webhooks_attempts a ON a.delivery_id = d.id WHERE d.status = 'succeeded'",
}


def parse(value):
    if value is None or value == "":
        return None
    text = str(value).replace("T", " ")
    text = re.sub(r"(\+00(:00)?|Z)$", "", text)
    if "." in text:
        head, frac = text.split(".", 1)
        text = head + "." + (frac + "000000")[:6]
    else:
        text += ".000000"
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f")


def rows_sqlite(path, sql):
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        return [tuple(r) for r in connection.execute(sql)]


def rows_psql(conninfo, sql):
    out = subprocess.run(["psql", conninfo, "-qAt", "-F", "\x1f", "-c", sql], check=True, capture_output=True, text=True).stdout
    return [tuple(None if c == "" else c for c in line.split("\x1f")) for line in out.splitlines() if line]


def ms(a, b):
    return None if a is None or b is None else (b - a).total_seconds() * 1000


def report(title, hops):
    print(f"\n{title}")
    for name, values in hops:
        values = sorted(v for v in values if v is not None)
        if not values:
            print(f"  {name:<48} -")
            continue
        p = lambda q: values[min(len(values) - 1, max(0, int(round(q * len(values))) - 1))]
        print(f"  {name:<48} p50 {p(0.5):8.1f} ms   p90 {p(0.9):8.1f} ms   (n={len(values)})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite")
    parser.add_argument("--psql")
    args = parser.parse_args()
    fetch = (lambda sql: rows_sqlite(args.sqlite, sql)) if args.sqlite else (lambda sql: rows_psql(args.psql, sql))
    data = {name: fetch(sql) for name, sql in QUERIES.items()}

    jobs_by_subject = {}
    jobs_by_id = {}
    for type_, payload, created, started, completed, id_ in data["jobs"]:
        job = (type_, parse(created), parse(started), parse(completed))
        jobs_by_id[id_] = job
        try:
            for value in json.loads(payload).values():
                if isinstance(value, str):
                    jobs_by_subject.setdefault(value, []).append(job)
        except (ValueError, AttributeError):
            pass
    events = {}
    for aggregate, type_, occurred, dispatched in data["events"]:
        events[(aggregate, type_)] = (parse(occurred), parse(dispatched))

    def outcome(rows, job_type, event_type):
        hops = {k: [] for k in ("claim", "run", "done", "total", "dispatch")}
        for id_, created, started, completed in rows:
            created, started, completed = parse(created), parse(started), parse(completed)
            job = next((j for j in jobs_by_subject.get(id_, []) if j[0] == job_type), None)
            if job:
                hops["claim"].append(ms(job[1], job[2]))
                hops["run"].append(ms(job[2], completed))
                hops["done"].append(ms(completed, job[3]))
            hops["total"].append(ms(created, completed))
            if (id_, event_type) in events:
                hops["dispatch"].append(ms(*events[(id_, event_type)]))
        return hops

    s = outcome(data["sessions"], "mindpeeker.session.run", "session.completed")
    report(f"session-complete ({len(data['sessions'])} sessions)", [
        ("created → job claimed (queue wait)", s["claim"]),
        ("job claimed → session completed (the job's work)", s["run"]),
        ("session completed → job marked done", s["done"]),
        ("created → completed (server side)", s["total"]),
        ("session.completed occurred → dispatched", s["dispatch"]),
    ])
    e = outcome(data["executions"], "mindra.execution.run", "execution.completed")
    report(f"orchestrate ({len(data['executions'])} executions)", [
        ("created → job claimed (queue wait)", e["claim"]),
        ("job claimed → execution completed (the job's work)", e["run"]),
        ("execution completed → job marked done", e["done"]),
        ("created → completed (server side)", e["total"]),
        ("execution.completed occurred → dispatched", e["dispatch"]),
    ])
    hops = {k: [] for k in ("fanout", "claim", "send", "total")}
    for id_, occurred, created, job_id, attempted, latency in data["deliveries"]:
        occurred, created, attempted = parse(occurred), parse(created), parse(attempted)
        job = jobs_by_id.get(job_id)
        hops["fanout"].append(ms(occurred, created))
        if job:
            hops["claim"].append(ms(created, job[2]))
            hops["send"].append(ms(job[2], attempted))
        hops["total"].append(ms(occurred, attempted))
    report(f"webhook ({len(data['deliveries'])} deliveries)", [
        ("event occurred → delivery row (dispatch + fan-out)", hops["fanout"]),
        ("delivery row → delivery job claimed", hops["claim"]),
        ("delivery job claimed → attempt logged (send)", hops["send"]),
        ("event occurred → attempt logged", hops["total"]),
    ])


if __name__ == "__main__":
    sys.exit(main())
