#!/usr/bin/env python3
"""Every view of a running node tells the same numbers (docs/reliability.md,
"Operator runs"): for each trading agent its orders, fills and position by
/metrics, /api/dashboard, `tfarm console info`, and the database (orders and
fills recorded, the position its fills add up to); the farm's totals by the
node's own status line (`tfarm run --status-every`). The node must be quiet
(trading halted): the views are read again, up to the deadline, until one
reading agrees everywhere; else every difference of the last reading is
printed and the exit status is 1.

usage: acceptance_views.py TFARM HTTP_PORT CONSOLE_PORT DB RUN_LOG [SECONDS]
(DB: an SQLite file or a postgresql:// URL; the admin token in TFARM_ADMIN_TOKEN)
"""
import calendar
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.request

tfarm, http_port, console_port, db, run_log = sys.argv[1:6]
deadline_s = float(sys.argv[6]) if len(sys.argv) > 6 else 10.0
token = os.environ["TFARM_ADMIN_TOKEN"]
FIELDS = ("orders", "fills", "position")


def http(path, auth=False):
    req = urllib.request.Request(f"http://127.0.0.1:{http_port}{path}")
    if auth:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read().decode()


def by_metrics():
    out = {}
    names = {"tfarm_agent_orders_total": "orders", "tfarm_agent_fills_total": "fills",
             "tfarm_agent_position": "position"}
    pattern = re.compile(r'^(\w+)\{agent="([^"]+)"[^}]*\} (-?\d+)$')
    for line in http("/metrics").splitlines():
        m = pattern.match(line)
        if m and m.group(1) in names:
            out.setdefault(m.group(2), {})[names[m.group(1)]] = int(m.group(3))
    return out


def by_dashboard():
    d = json.loads(http("/api/dashboard", auth=True))
    return {a["path"]: {f: int(a[f]) for f in FIELDS} for a in d["agents"]}


def by_console(agents):
    out = {}
    for path in agents:
        r = subprocess.run([tfarm, "console", "--connect", f"127.0.0.1:{console_port}", "--json",
                            "-e", f"info {path}"], capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise RuntimeError(f"console info {path}: {r.stdout}{r.stderr}")
        state = json.loads(r.stdout)["state"]
        out[path] = {f: int(state[f]) for f in FIELDS}
    return out


def query(sql):
    """Rows of SQL on the node's database (an SQLite file or a PostgreSQL URL)."""
    if db.startswith("postgresql://"):
        r = subprocess.run(["psql", "-X", "-q", "-At", "-F", " ", "-v", "ON_ERROR_STOP=1",
                            "-d", db, "-c", sql], capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise RuntimeError(f"psql: {r.stderr}")
        return [line.split(" ") for line in r.stdout.splitlines()]
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return [[str(v) for v in row] for row in con.execute(sql)]
    finally:
        con.close()


def by_database():
    out = {}
    for agent, n in query("SELECT agent, COUNT(*) FROM orders GROUP BY agent"):
        out.setdefault(agent, {"orders": 0, "fills": 0, "position": 0})["orders"] = int(n)
    for agent, n, pos in query(
            "SELECT o.agent, COUNT(*), SUM(CASE o.side WHEN 'buy' THEN f.qty ELSE -f.qty END) "
            "FROM fills f JOIN orders o USING (client_order_id) GROUP BY o.agent"):
        row = out.setdefault(agent, {"orders": 0, "fills": 0, "position": 0})
        row["fills"], row["position"] = int(n), int(pos)
    return out


def by_status_line(after):
    """The node's last status line written after `after` (the unix time):
    its orders and fills totals; None if none yet."""
    last = None
    stamp = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) .*status: agents (\d+) .*"
                       r"orders (\d+) .*fills (\d+) ")
    with open(run_log, errors="replace") as f:
        for line in f:
            m = stamp.match(line)
            if m and calendar.timegm(time.strptime(m.group(1)[:19], "%Y-%m-%d %H:%M:%S")) > after:
                last = {"agents": int(m.group(2)), "orders": int(m.group(3)),
                        "fills": int(m.group(4))}
    return last


def reading(started):
    views = {"metrics": by_metrics(), "dashboard": by_dashboard()}
    views["console"] = by_console(sorted(views["dashboard"]))
    views["database"] = by_database()
    status = by_status_line(started)
    problems = []
    agents = sorted(set().union(*(v.keys() for v in views.values())))
    for agent in agents:
        for field in FIELDS:
            seen = {name: v.get(agent, {}).get(field) for name, v in views.items()}
            # An agent that never placed an order has no database rows.
            if seen["database"] is None:
                seen["database"] = 0
            if len(set(seen.values())) > 1:
                problems.append(f"{agent} {field}: " +
                                ", ".join(f"{k} {v}" for k, v in seen.items()))
    totals = {f: sum(v.get(f, 0) for v in views["dashboard"].values()) for f in ("orders", "fills")}
    if status is None:
        problems.append("no status line written since the check began")
    else:
        for f in ("orders", "fills"):
            if status[f] != totals[f]:
                problems.append(f"total {f}: status line {status[f]}, dashboard {totals[f]}")
        if status["agents"] != len(views["dashboard"]):
            problems.append(f"agents: status line {status['agents']}, "
                            f"dashboard {len(views['dashboard'])}")
    return views, totals, problems


started = time.time()
deadline = started + deadline_s
while True:
    try:
        views, totals, problems = reading(started)
    except Exception as e:  # a view that cannot be read is a difference too
        views, totals, problems = {}, {}, [f"reading the views: {e}"]
    if not problems:
        print(f"views agree ({len(views['dashboard'])} agents, {totals['orders']} orders, "
              f"{totals['fills']} fills by /metrics, /api/dashboard, console info, the "
              f"database and the status line, after {time.time() - started:.1f} s)")
        sys.exit(0)
    if time.time() >= deadline:
        print("views differ:\n  " + "\n  ".join(problems))
        sys.exit(1)
    time.sleep(0.5)
