#!/usr/bin/env python3
"""Prints the points a sandbox's Statuspage stored, per metric: count, range, last few values."""
import datetime
import json
import re
import sys

config_path, points_path, stats_path = sys.argv[1:4]
names = {}
current = None
for line in open(config_path, encoding="utf-8"):
    m = re.match(r"\s*-\s*name:\s*(\S+)", line)
    if m:
        current = m.group(1)
    m = re.match(r"\s*statuspage_metric_id:\s*\"?([^\"\s]+)", line)
    if m and current:
        names[m.group(1)] = current

points = json.load(open(points_path, encoding="utf-8"))
stats = json.load(open(stats_path, encoding="utf-8"))


def utc(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


for metric_id, pts in sorted(points.items()):
    label = names.get(metric_id, metric_id)
    print(f"{label} ({metric_id}): {len(pts)} points, {utc(pts[0]['timestamp'])} .. {utc(pts[-1]['timestamp'])}")
    for p in pts[-5:]:
        print(f"    {utc(p['timestamp'])}  {p['value']:.6g}")
print(
    "requests: CloudWatch GetMetricData {}, Statuspage {} ({} rate-limited); points stored {}".format(
        stats.get("getmetricdata_calls"), stats.get("statuspage_requests"),
        stats.get("rate_limited"), stats.get("points_stored")))
