"""Sweep benchmark: seconds per grid point in-process against ``--notebooks``, in one run, and peak memory of a streamed sweep.

    python benchmarks/sweep.py [--points N] [--notebook-points M] [--jobs J] [--out FILE]

Both modes sweep the training chapter over price x PUE through the command line
(``python -m analysis sweep``, each its own process, so both pay start-up);
``--notebooks`` runs M points, in-process runs N. The script also checks that
the points both modes share agree to the last digit, records each run's peak
resident memory (the main process and its workers, from ``getrusage``), and
writes everything, with the machine, to ``benchmarks/sweep_results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str]) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "analysis", "sweep", *args], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"error: sweep {' '.join(args)} failed: {done.stderr.strip().splitlines()[-1:]}")
    return {"wall_s": wall, "cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
            "peak_rss_mib_any_process": after.ru_maxrss / 1024}


def grid_args(points: int) -> list[str]:
    """A price x PUE grid of about ``points`` points (prices on a log scale)."""
    side = max(2, round(points ** 0.5))
    return ["-p", f"price_usd_per_gpu_hour=log:1:8:{side}", "-p", f"pue=1.05:1.6:{max(2, points // side)}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=400, help="in-process grid points (default 400)")
    parser.add_argument("--notebook-points", type=int, default=4, help="--notebooks grid points (default 4)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "sweep_results.json"))
    args = parser.parse_args(argv)
    import pandas as pd

    with tempfile.TemporaryDirectory() as tmp:
        small = grid_args(args.notebook_points)
        slow = _run(["training_compute", *small, "--notebooks", "--jobs", str(args.jobs), "--out", f"{tmp}/slow.csv"])
        fast_small = _run(["training_compute", *small, "--jobs", str(args.jobs), "--out", f"{tmp}/fast_small.csv"])
        fast = _run(["training_compute", *grid_args(args.points), "--jobs", str(args.jobs), "--out", f"{tmp}/fast.parquet"])
        a = pd.read_csv(f"{tmp}/slow.csv", dtype=str, keep_default_na=False)
        b = pd.read_csv(f"{tmp}/fast_small.csv", dtype=str, keep_default_na=False)
        same = a.equals(b)
        n_slow, n_fast = len(a), len(pd.read_parquet(f"{tmp}/fast.parquet"))
    per_slow, per_fast = slow["wall_s"] / n_slow, fast["wall_s"] / n_fast
    result = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "system": platform.platform(), "python": platform.python_version(),
                    "load_average": os.getloadavg()},
        "jobs": args.jobs,
        "notebooks": {"points": n_slow, **slow, "s_per_point": per_slow},
        "in_process": {"points": n_fast, **fast, "s_per_point": per_fast, "points_per_s": n_fast / fast["wall_s"]},
        "speedup_per_point": per_slow / per_fast,
        "same_numbers_on_shared_points": same,
        "target_speedup": 100,
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"--notebooks: {n_slow} points in {slow['wall_s']:.1f} s ({per_slow:.3f} s/point)")
    print(f"in-process:  {n_fast} points in {fast['wall_s']:.1f} s ({per_fast * 1000:.1f} ms/point, {n_fast / fast['wall_s']:.0f} points/s)")
    print(f"speed-up per point: {per_slow / per_fast:.0f}x (target 100x); same numbers on shared points: {same}")
    print(f"peak resident memory of any process: {fast['peak_rss_mib_any_process']:.0f} MiB")
    return 0 if same and per_slow / per_fast >= 100 else 1


if __name__ == "__main__":
    sys.exit(main())
