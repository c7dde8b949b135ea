#!/usr/bin/env python3
"""Prints the ping-pong JSON lines of run_probes.sh as a Markdown table (one row per size)."""
import json
import sys

rows = {}
columns = []
for line in sys.stdin:
    if not line.startswith('{"probe":"pingpong"'):
        continue
    record = json.loads(line)
    column = f'{record.get("variant", record["transport"])} {record["link"]}'
    if column not in columns:
        columns.append(column)
    cell = f'{record["latency_us"]:.1f} µs / {record["bandwidth_MBps"]:.0f} MB/s'
    rows.setdefault(record["bytes"], {})[column] = cell

print("| bytes | " + " | ".join(columns) + " |")
print("|---:|" + "---:|" * len(columns))
for size in sorted(rows):
    print(f"| {size} | " + " | ".join(rows[size].get(c, "") for c in columns) + " |")
