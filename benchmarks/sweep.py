"""Sweep benchmark: seconds per grid point in-process against ``--notebooks``, in one run, and time and memory of large streamed grids.

    python benchmarks/sweep.py [--points N] [--notebook-points M] [--per-point-points K] [--scale N1,N2,...] [--jobs J] [--out FILE]

Every sweep is the training chapter over price x PUE, run as its own process
(``python -m analysis sweep``, so each pays start-up), one after another:

- ``--notebooks`` (a notebook executed per point) on M points, and in-process on
  the same M points: the script checks that both files agree to the last digit;
- in-process on N points (default 10,000: the issue's "10,000-point grid in well
  under a minute on 2 cores"), to Parquet;
- in-process point by point (``analysis.build.sweep.sweep(..., vectorise=False)``,
  the path the vectorised one replaced) on K points, for the per-point cost;
- in-process on each grid size of ``--scale`` (default 100,000, 1,000,000 and
  2,000,000 points), streamed to Parquet: wall-clock time, CPU time and memory.

Memory is resident memory sampled every 0.1 s over the sweep's process and its
workers: the largest single process, and all of them together (also the peak of
each half of the run: memory that grew with the grid would peak in the second).

It writes everything, with the machine and its load average before and after,
to ``benchmarks/sweep_results.json``.
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
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _rss_mib(pid: int) -> tuple[float, float]:
    """(resident memory of the largest process, of all processes) among ``pid`` and its descendants, in MiB."""
    import psutil

    try:
        main = psutil.Process(pid)
        processes = [main, *main.children(recursive=True)]
    except psutil.Error:
        return 0.0, 0.0
    sizes = []
    for p in processes:
        try:
            sizes.append(p.memory_info().rss)
        except psutil.Error:  # a worker that has just exited
            pass
    return max(sizes, default=0) / 2**20, sum(sizes) / 2**20


def _run(command: list[str]) -> dict:
    """Run ``command`` (a Python module or ``-c`` program), timing it and sampling its memory every 0.1 s."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *command], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    samples: list[tuple[float, float, float]] = []  # (seconds since start, largest process, all processes)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append((time.perf_counter() - start, *_rss_mib(proc.pid)))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"error: {' '.join(command)} failed: {stderr.strip().splitlines()[-1:]}")
    first, second = [s for s in samples if s[0] < wall / 2], [s for s in samples if s[0] >= wall / 2]
    return {"wall_s": wall, "cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
            "peak_rss_mib_largest_process": max((s[1] for s in samples), default=0.0),
            "peak_rss_mib_all_processes": max((s[2] for s in samples), default=0.0),
            # memory that grew with the grid would peak later: compare the two halves of the run
            "peak_rss_mib_all_processes_first_half": max((s[2] for s in first), default=0.0),
            "peak_rss_mib_all_processes_second_half": max((s[2] for s in second), default=0.0)}


def grid_args(points: int, lowest_price: float = 1.0) -> list[str]:
    """A price x PUE grid of about ``points`` points (prices on a log scale from ``lowest_price`` to 8)."""
    side = max(2, round(points ** 0.5))
    return ["-p", f"price_usd_per_gpu_hour=log:{lowest_price!r}:8:{side}", "-p", f"pue=1.05:1.6:{max(2, points // side)}"]


def scale_args(points: int) -> list[str]:
    """A grid of exactly ``points`` points for the scale runs: 1,000 prices (log scale) x points / 1,000 PUEs."""
    prices = min(points, 1000)
    return ["-p", f"price_usd_per_gpu_hour=log:1:8:{prices}", "-p", f"pue=1.05:1.6:{max(2, points // prices)}"]


def sweep(args: list[str]) -> list[str]:
    return ["-m", "analysis", "sweep", "training_compute", *args]


def per_point(args: list[str], out: str, jobs: int) -> list[str]:
    """The in-process sweep point by point (no vectorised chunks), through the same function the command calls."""
    program = (
        "import sys; from pathlib import Path; from analysis.build import sweep; "
        f"axes = sweep.parse_axes({[a for a in args if a != '-p']!r}, 'training_compute'); "
        f"r = sweep.sweep('training_compute', axes, Path({out!r}), jobs={jobs}, progress=False, vectorise=False); "
        "sys.exit(0 if r.failed == 0 else 1)"
    )
    return ["-c", program]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000, help="in-process grid points (default 10,000)")
    parser.add_argument("--notebook-points", type=int, default=4, help="--notebooks grid points (default 4)")
    parser.add_argument("--per-point-points", type=int, default=1000, help="points of the point-by-point in-process run (default 1,000)")
    parser.add_argument("--scale", default="100000,1000000,2000000",
                        help="grid sizes streamed to Parquet (default 100000,1000000,2000000; '' for none)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "sweep_results.json"))
    args = parser.parse_args(argv)
    scale = [int(s) for s in args.scale.split(",") if s.strip()]
    import pandas as pd
    import pyarrow.parquet as pq

    load_before = os.getloadavg()
    jobs = ["--jobs", str(args.jobs)]
    with tempfile.TemporaryDirectory() as tmp:
        # Prices no earlier run has used, so that the build's cache of executed notebooks never answers for --notebooks.
        small = grid_args(args.notebook_points, 1 + (time.time_ns() % 10**6) / 10**9)
        slow = _run(sweep([*small, "--notebooks", *jobs, "--out", f"{tmp}/slow.csv"]))
        fast_small = _run(sweep([*small, *jobs, "--out", f"{tmp}/fast_small.csv"]))
        fast = _run(sweep([*grid_args(args.points), *jobs, "--out", f"{tmp}/fast.parquet"]))
        one_by_one = _run(per_point(grid_args(args.per_point_points), f"{tmp}/per_point.parquet", args.jobs))
        a = pd.read_csv(f"{tmp}/slow.csv", dtype=str, keep_default_na=False)
        b = pd.read_csv(f"{tmp}/fast_small.csv", dtype=str, keep_default_na=False)
        same = a.equals(b)
        n_slow, n_fast = len(a), pq.read_metadata(f"{tmp}/fast.parquet").num_rows
        n_one = pq.read_metadata(f"{tmp}/per_point.parquet").num_rows
        scaled = []
        for size in scale:
            path = f"{tmp}/scale_{size}.parquet"
            run = _run(sweep([*scale_args(size), *jobs, "--out", path]))
            meta = pq.read_metadata(path)
            scaled.append({"points": meta.num_rows, "columns": meta.num_columns, "row_groups": meta.num_row_groups,
                           "file_mib": os.path.getsize(path) / 2**20, **run, "points_per_s": meta.num_rows / run["wall_s"]})
            os.remove(path)
    per_slow, per_fast, per_one = slow["wall_s"] / n_slow, fast["wall_s"] / n_fast, one_by_one["wall_s"] / n_one
    result = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "system": platform.platform(), "python": platform.python_version(),
                    "load_average_before": load_before, "load_average_after": os.getloadavg()},
        "jobs": args.jobs,
        "notebooks": {"points": n_slow, **slow, "s_per_point": per_slow},
        "in_process": {"points": n_fast, **fast, "s_per_point": per_fast, "points_per_s": n_fast / fast["wall_s"]},
        "in_process_point_by_point": {"points": n_one, **one_by_one, "s_per_point": per_one, "points_per_s": n_one / one_by_one["wall_s"]},
        "speedup_per_point": per_slow / per_fast,
        "same_numbers_on_shared_points": same,
        "target_speedup": 100,
        "target_10000_points_s": 60,
        "scale_parquet": scaled,
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"load average before {load_before[0]:.1f}, after {result['machine']['load_average_after'][0]:.1f} (other work on the machine slows every figure)")
    print(f"--notebooks:            {n_slow} points in {slow['wall_s']:.1f} s ({per_slow:.3f} s/point)")
    print(f"in-process, vectorised: {n_fast} points in {fast['wall_s']:.1f} s ({per_fast * 1000:.2f} ms/point, {n_fast / fast['wall_s']:.0f} points/s)")
    print(f"in-process, per point:  {n_one} points in {one_by_one['wall_s']:.1f} s ({per_one * 1000:.2f} ms/point)")
    print(f"speed-up per point over --notebooks: {per_slow / per_fast:.0f}x (target 100x); same numbers on shared points: {same}")
    for s in scaled:
        print(f"{s['points']:>9,} points to Parquet: {s['wall_s']:.1f} s ({s['points_per_s']:,.0f} points/s), "
              f"peak memory {s['peak_rss_mib_all_processes']:.0f} MiB all processes (halves: {s['peak_rss_mib_all_processes_first_half']:.0f}, "
              f"{s['peak_rss_mib_all_processes_second_half']:.0f}), {s['peak_rss_mib_largest_process']:.0f} MiB largest process, "
              f"file {s['file_mib']:.1f} MiB")
    met = same and per_slow / per_fast >= 100 and (args.points < 10_000 or fast["wall_s"] < 60)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
