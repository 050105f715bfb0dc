"""p95 per page under load as a ratio of its unloaded median, from two locust
--csv runs (bench/scaleout.sh); prints a Markdown table and the error count,
and appends the run to bench/scaleout.json."""

import argparse
import csv
import datetime
import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "scaleout.json"


def _read(path):
    with open(path, newline="") as fh:
        return {row["Name"]: row for row in csv.DictReader(fh)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("unloaded", nargs="+")
    parser.add_argument("--loaded", required=True)
    parser.add_argument("--users", default="")
    parser.add_argument("--time", default="")
    args = parser.parse_args()
    unloaded = {}
    for path in args.unloaded:
        unloaded.update({k: v for k, v in _read(path).items() if k != "Aggregated"})
    loaded = _read(args.loaded)
    rows = []
    print("| Page | Requests | Failures | Unloaded median (ms) | Loaded p95 (ms) | Ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, row in sorted(loaded.items()):
        if name == "Aggregated":
            continue
        base = unloaded.get(name)
        base_ms = float(base["Median Response Time"]) if base else None
        base_ms = round(base_ms) if base_ms is not None else None
        p95 = float(row["95%"])
        ratio = p95 / base_ms if base_ms else None
        rows.append({"page": name, "requests": int(row["Request Count"]),
                     "failures": int(row["Failure Count"]), "unloaded_median_ms": base_ms,
                     "loaded_p95_ms": p95, "ratio": ratio})  # fmt: skip
        print(f"| {name} | {row['Request Count']} | {row['Failure Count']} | "
              f"{base_ms if base_ms is not None else '–'} | {p95:.0f} | "
              f"{f'{ratio:.1f}×' if ratio else '–'} |")  # fmt: skip
    total = loaded.get("Aggregated", {})
    failures = int(total.get("Failure Count", 0))
    print(f"\n{total.get('Request Count', 0)} requests, {failures} errors, "
          f"{args.users} users for {args.time}.")  # fmt: skip
    record = {"date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
              "users": args.users, "time": args.time, "requests": total.get("Request Count"),
              "errors": failures, "pages": rows}  # fmt: skip
    RESULTS.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
