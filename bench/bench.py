#!/usr/bin/env python3
"""statusbridge benchmarks against statusbridge-sandbox on loopback.

once:   `statusbridge once` with 10, 100 and 1000 configured metrics (a fleet of demo load
        balancers: request volume, reliability %, response time), stateless, 1 h backfill.
        Prints requests to CloudWatch and Statuspage, points published, wall time, peak RSS.
logs:   `statusbridge once` with 10 Logs Insights metrics over the sandbox's generated log group
        (1 h backfill): Logs Insights queries, GetQueryResults calls per query, bytes scanned.
daemon: `statusbridge run` with 1000 metrics for 10 cycles in steady state (after the first,
        backfilling cycle). Prints per-cycle requests to each API, points, cycle wall time, and
        the daemon's CPU time and peak RSS.

Figures are printed as a Markdown table (bench/README.md records a run).
"""
import argparse
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

LB = "app/demo-alb-{k}/50dc6c495c0c9188"


def config(n_metrics, state_path, backfill, interval="60s", base=None):
    lines = [
        "statuspage:",
        '  page_id: "sandboxpage"',
        '  api_key: "${STATUSPAGE_API_KEY}"',
        '  base_url: "${SANDBOX_URL}/v1"',
        "aws:",
        '  region: "us-east-1"',
        '  endpoint_url: "${SANDBOX_URL}"',
        "state:",
        f'  path: "{state_path}"',
        "schedule:",
        f"  interval: {interval}",
        "defaults:",
        "  period: 60s",
        "  delay: 120s",
        "  lookback: 10m",
        f"  backfill: {backfill}",
        "metrics:",
    ]
    for i in range(n_metrics):
        k = i // 3
        lb = LB.format(k=k)
        dims = f'{{ LoadBalancer: "{lb}" }}'
        kind = i % 3
        if kind == 0:
            lines += [
                f"  - name: requests-{k}",
                f'    statuspage_metric_id: "req{k:06d}"',
                f"    cloudwatch: {{ namespace: AWS/ApplicationELB, metric: RequestCount, dimensions: {dims}, stat: Sum }}",
            ]
        elif kind == 1:
            lines += [
                f"  - name: reliability-{k}",
                f'    statuspage_metric_id: "rel{k:06d}"',
                "    period: 5m",
                "    queries:",
                f"      requests: {{ cloudwatch: {{ namespace: AWS/ApplicationELB, metric: RequestCount, dimensions: {dims}, stat: Sum }} }}",
                f"      errors: {{ cloudwatch: {{ namespace: AWS/ApplicationELB, metric: HTTPCode_Target_5XX_Count, dimensions: {dims}, stat: Sum }}, missing: 0 }}",
                '    expression: "100 * (requests - errors) / requests"',
            ]
        else:
            lines += [
                f"  - name: latency-{k}",
                f'    statuspage_metric_id: "lat{k:06d}"',
                "    queries:",
                f"      latency: {{ cloudwatch: {{ namespace: AWS/ApplicationELB, metric: TargetResponseTime, dimensions: {dims}, stat: Average }} }}",
                '    expression: "latency * 1000"',
            ]
    return "\n".join(lines) + "\n"


class Sandbox:
    def __init__(self, build, workdir):
        self.port_file = os.path.join(workdir, "port")
        self.proc = subprocess.Popen(
            [os.path.join(build, "tools/sandbox/statusbridge-sandbox"), "--host", "127.0.0.1",
             "--port", "0", "--port-file", self.port_file, "--quiet", "--fleet", "1000"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(400):
            if os.path.exists(self.port_file) and open(self.port_file).read().strip():
                break
            time.sleep(0.025)
        self.url = "http://127.0.0.1:" + open(self.port_file).read().strip()

    def get(self, path):
        with urllib.request.urlopen(self.url + path) as r:
            return json.loads(r.read())

    def post(self, path, body=None):
        req = urllib.request.Request(self.url + path, data=json.dumps(body or {}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read() or b"{}")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)


def env_for(sandbox):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": "AKIDSANDBOX", "AWS_SECRET_ACCESS_KEY": "SANDBOXSECRET",
                "STATUSPAGE_API_KEY": "sandbox-key", "SANDBOX_URL": sandbox.url,
                "HOME": "/nonexistent"})
    return env


def bench_once(build, sandbox, workdir, sizes):
    rows = []
    for n in sizes:
        sandbox.post("/_sandbox/reset")
        cfg = os.path.join(workdir, f"once-{n}.yaml")
        with open(cfg, "w") as f:
            f.write(config(n, "none", "1h"))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        p = subprocess.run([os.path.join(build, "src/cli/statusbridge"), "once", "-c", cfg,
                            "--timeout", "10m"], env=env_for(sandbox), capture_output=True, text=True)
        wall = time.monotonic() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if p.returncode != 0:
            print(p.stderr, file=sys.stderr)
            raise SystemExit(f"once with {n} metrics failed: exit {p.returncode}")
        stats = sandbox.get("/_sandbox/stats")
        rss = re.search(r"peak_rss_kib=(\d+)", p.stderr)
        rows.append({
            "metrics": n,
            "getmetricdata": stats["getmetricdata_calls"],
            "statuspage": stats["statuspage_requests"],
            "statuspage_data": stats["statuspage_data_requests"],
            "points": stats["points_stored"],
            "wall_s": wall,
            "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            # statusbridge's own VmHWM, logged at the end of its cycle (ru_maxrss of a child would
            # include the forking Python interpreter's pages).
            "rss_mb": int(rss.group(1)) / 1024.0 if rss else float("nan"),
        })
    print("\n## statusbridge once (stateless, 1 h backfill)\n")
    print("| metrics | GetMetricData calls | Statuspage requests (data + listing) | points published | wall time | CPU time | peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['metrics']} | {r['getmetricdata']} | {r['statuspage']} ({r['statuspage_data']} + {r['statuspage'] - r['statuspage_data']}) "
              f"| {r['points']} | {r['wall_s']:.2f} s | {r['cpu_s']:.2f} s | {r['rss_mb']:.1f} MB |")


def logs_config(n_metrics):
    lines = [
        "statuspage:", '  page_id: "sandboxpage"', '  api_key: "${STATUSPAGE_API_KEY}"',
        '  base_url: "${SANDBOX_URL}/v1"', "aws:", '  region: "us-east-1"',
        '  endpoint_url: "${SANDBOX_URL}"', "state:", '  path: "none"', "defaults:",
        "  period: 60s", "  delay: 120s", "  lookback: 10m", "  backfill: 1h", "metrics:",
    ]
    for i in range(n_metrics):
        lines += [
            f"  - name: logs-latency-{i}",
            f'    statuspage_metric_id: "logs{i:04d}"',
            "    logs_insights:",
            '      log_groups: ["/ecs/demo-api"]',
            f'      query: "filter elapsed > {i * 10} | stats avg(elapsed) as value by bin(1m) as t"',
            "      value_field: value",
            "      time_field: t",
        ]
    return "\n".join(lines) + "\n"


def bench_logs(build, sandbox, workdir, n):
    sandbox.post("/_sandbox/reset")
    cfg = os.path.join(workdir, "logs.yaml")
    with open(cfg, "w") as f:
        f.write(logs_config(n))
    t0 = time.monotonic()
    p = subprocess.run([os.path.join(build, "src/cli/statusbridge"), "once", "-c", cfg,
                        "--timeout", "10m"], env=env_for(sandbox), capture_output=True, text=True)
    wall = time.monotonic() - t0
    if p.returncode != 0:
        print(p.stderr, file=sys.stderr)
        raise SystemExit(f"once with {n} Logs Insights metrics failed: exit {p.returncode}")
    m = re.search(r"logs_queries=(\d+) logs_polls=(\d+) logs_bytes_scanned=(\d+)", p.stderr)
    rss = re.search(r"peak_rss_kib=(\d+)", p.stderr)
    stats = sandbox.get("/_sandbox/stats")
    queries, polls, scanned = (int(x) for x in m.groups())
    print(f"\n## statusbridge once with {n} Logs Insights metrics (1 h backfill, 1-minute bins)\n")
    print("| Logs Insights queries | StartQuery calls | GetQueryResults calls | per query | bytes scanned | points published | wall time | peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {queries} | {stats.get('logs_start_query_calls')} | {polls} | {polls / max(queries, 1):.1f} "
          f"| {scanned} | {stats['points_stored']} | {wall:.2f} s | {int(rss.group(1)) / 1024.0:.1f} MB |")


def proc_stats(pid):
    with open(f"/proc/{pid}/status") as f:
        status = f.read()
    hwm = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024.0
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    return hwm, cpu


def bench_daemon(build, sandbox, workdir, n, cycles, interval):
    sandbox.post("/_sandbox/reset")
    state = os.path.join(workdir, "daemon.db")
    cfg = os.path.join(workdir, "daemon.yaml")
    with open(cfg, "w") as f:
        f.write(config(n, state, "15m", interval=f"{interval}s"))
    log_path = os.path.join(workdir, "daemon.log")
    log = open(log_path, "w")
    p = subprocess.Popen([os.path.join(build, "src/cli/statusbridge"), "run", "-c", cfg],
                         env=env_for(sandbox), stdout=log, stderr=subprocess.STDOUT)
    cycle_re = re.compile(r"cycle metrics=(\d+).*? points=(\d+) enqueued=(\d+) cloudwatch_calls=(\d+)"
                          r".*?statuspage_requests=(\d+).*? sent=(\d+).*? pending=(\d+) duration_ms=(\d+)")
    seen = []
    deadline = time.monotonic() + (cycles + 2) * interval + 120
    hwm, cpu = 0.0, 0.0
    while len(seen) < cycles + 1 and time.monotonic() < deadline:
        time.sleep(0.5)
        with open(log_path) as f:
            seen = [m.groups() for m in cycle_re.finditer(f.read())]
        if p.poll() is None:
            hwm, cpu = proc_stats(p.pid)
    p.send_signal(signal.SIGTERM)
    t0 = time.monotonic()
    code = p.wait(timeout=30)
    stop_s = time.monotonic() - t0
    log.close()
    if len(seen) < cycles + 1:
        print(open(log_path).read()[-3000:], file=sys.stderr)
        raise SystemExit("the daemon did not complete its cycles")
    steady = [tuple(int(x) for x in s) for s in seen[1:cycles + 1]]
    print(f"\n## statusbridge run ({n} metrics, interval {interval} s; first cycle backfills 15 min, then {cycles} steady cycles)\n")
    first = [int(x) for x in seen[0]]
    print(f"first cycle: {first[3]} GetMetricData calls, {first[4]} Statuspage requests, {first[5]} points sent, {first[7]} ms\n")
    print("| cycle | GetMetricData calls | Statuspage requests | points computed | points enqueued (changed/new) | points sent | cycle wall time |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for i, s in enumerate(steady, 1):
        print(f"| {i} | {s[3]} | {s[4]} | {s[1]} | {s[2]} | {s[5]} | {s[7]} ms |")
    print(f"\ndaemon CPU time {cpu:.2f} s over {len(seen)} cycles; peak RSS {hwm:.1f} MB; "
          f"SIGTERM to exit {stop_s:.2f} s (exit code {code})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/release")
    ap.add_argument("scenarios", nargs="*", default=["once", "logs", "daemon"])
    ap.add_argument("--cycles", type=int, default=10)
    ap.add_argument("--interval", type=int, default=15)
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="sbbench-")
    sandbox = Sandbox(args.build, workdir)
    try:
        print(f"statusbridge benchmark, sandbox {sandbox.url}, {os.cpu_count()} CPUs")
        if "once" in args.scenarios:
            bench_once(args.build, sandbox, workdir, [10, 100, 1000])
        if "logs" in args.scenarios:
            bench_logs(args.build, sandbox, workdir, 10)
        if "daemon" in args.scenarios:
            bench_daemon(args.build, sandbox, workdir, 1000, args.cycles, args.interval)
    finally:
        sandbox.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
