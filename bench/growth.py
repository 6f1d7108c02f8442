"""The growth table: bench.bench's JSON lines at several scales, side by side.

    python -m bench.growth var/bench/scale-0.2.json var/bench/scale-1.json ...

Each page's in-process median and its admin changelist's, per scale, and the page's time at the
largest scale over its time at the smallest (1.00 = flat).
"""

import json
import sys

MAIN_PAGES = ("groups_dashboard", "patient_list", "facility_list", "application_queue")


def growth_table(runs, pages=MAIN_PAGES):
    """Markdown table from a list of bench figures (dicts with "scale" and "pages")."""
    runs = sorted(runs, key=lambda run: run["scale"])
    scales = [f"{run['scale']:g}" for run in runs]
    head = (["page"] + [f"ms at {s}" for s in scales] + [f"admin ms at {s}" for s in scales]
            + [f"growth {scales[0]}→{scales[-1]}", f"admin growth {scales[0]}→{scales[-1]}"])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for page in pages:
        ours = [run["pages"][page]["median_ms"] for run in runs]
        admin = [run["pages"][page]["admin_median_ms"] for run in runs]
        cells = [page] + [f"{v:.1f}" for v in ours] + [f"{v:.1f}" for v in admin]
        cells += [f"{ours[-1] / ours[0]:.2f}", f"{admin[-1] / admin[0]:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def http_table(figures):
    """Markdown table of bench.http_load's figures: each page beside its admin baseline."""
    lines = ["| page | p50 ms | p95 ms | per s | errors |", "|---|---|---|---|---|"]
    for name, f in figures.items():
        lines.append(f"| {name} | {f.get('p50_ms', '-')} | {f.get('p95_ms', '-')} | {f['per_second']} | {f['errors']} |")
    return "\n".join(lines)


def main(paths):
    runs = []
    for path in paths:
        run = {}
        with open(path, encoding="utf-8") as handle:  # bench.bench's line, then http_load's if run
            for line in handle:
                if line.startswith("{"):
                    run |= json.loads(line)
        runs.append(run)
    if len(runs) > 1:
        print(growth_table(runs))
    for run in runs:
        if "http" in run:
            print(f"\nHTTP at scale {run['scale']:g} (gunicorn, 2 sync workers):")
            print(http_table(run["http"]))


if __name__ == "__main__":
    main(sys.argv[1:])
