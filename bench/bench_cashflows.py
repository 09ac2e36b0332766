"""Benchmark: one projection of both loan groups (1,293 loans x 360 months) on the 2003-01-24 forward curve at 100% of
the pricing speed, vectorized engine vs the plain per-loan reference of tests/cf_reference.py.

Usage: python bench/bench_cashflows.py [--runs 51] [--ref-runs 1]
Writes bench/results/cashflows.json and prints a small table. Target: median <= 20 ms on the 2-core machine. The machine is shared: the load average is recorded, and the
median CPU time of the process (`time.process_time`) is reported next to the wall-clock median as the load-free figure.
"""
import argparse, os, statistics, sys, time
from importlib import resources
from pathlib import Path

import numpy as np
from _common import machine, write_result

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / 'tests'))
from cf_reference import reference_project, synthetic_pool  # noqa: E402

from impac_research import cashflows as cf, rates  # noqa: E402
from impac_research.deal import pricing_cpr  # noqa: E402


def load_pool():
    if (resources.files('impac_research') / 'data' / 'sample_pool.csv').is_file():
        from impac_research.pool import sample_pool
        return sample_pool(), 'impac_research/data/sample_pool.csv (reconstructed tape)'
    return synthetic_pool(0), 'tests/cf_reference.synthetic_pool(0) (seed product mix; reconstructed tape absent)'


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--runs', type=int, default=51)
    ap.add_argument('--ref-runs', type=int, default=1)
    args = ap.parse_args(argv)
    pool, source = load_pool()
    n = 360
    load0 = os.getloadavg()
    curves = rates.build_curves()
    paths = rates.index_paths(curves, n=n)
    res = cf.project(pool, paths, speed=100)            # warm-up (imports, caches, work buffers)
    times, cpu = [], []
    for _ in range(args.runs):
        t, c = time.perf_counter(), time.process_time()
        res = cf.project(pool, paths, speed=100)
        times.append(time.perf_counter() - t); cpu.append(time.process_time() - c)
    eng = cf.Engine(pool, paths)                        # loan-level work kept: one more scenario on the same paths
    warm = []
    for _ in range(args.runs):
        t = time.perf_counter()
        eng.project(speed=150)
        warm.append(time.perf_counter() - t)
    ref_times = []
    cpr = {g: pricing_cpr(g, n, 100) for g in sorted(pool.group.unique())}
    for _ in range(args.ref_runs):
        t = time.perf_counter()
        ref = reference_project(pool, paths, cpr, np.zeros(n), n=n)
        ref_times.append(time.perf_counter() - t)
    cols = ['begin_balance', 'scheduled_principal', 'prepaid_principal', 'interest', 'net_interest', 'end_balance']
    maxdiff = max(float((res[g][cols] - ref[g][cols]).abs().max().max()) for g in ref)
    med, ref_med = statistics.median(times), statistics.median(ref_times)
    out = {
        'what': 'cashflows.project(pool, forward paths, speed=100), both groups, 360 months',
        'pool': source, 'loans': int(len(pool)), 'loans_by_group': {int(g): int(c) for g, c in pool.group.value_counts().sort_index().items()},
        'months': n, 'runs': args.runs,
        'median_ms': round(med * 1e3, 3), 'min_ms': round(min(times) * 1e3, 3),
        'p90_ms': round(float(np.percentile(times, 90)) * 1e3, 3),
        'cpu_median_ms': round(statistics.median(cpu) * 1e3, 3),
        'engine_reuse_median_ms': round(statistics.median(warm) * 1e3, 3),
        'reference_runs': args.ref_runs, 'reference_median_s': round(ref_med, 3),
        'speed_ratio_reference_over_engine': round(ref_med / med, 1),
        'max_abs_diff_vs_reference_dollars': maxdiff,
        'target_median_ms': 20.0, 'meets_target': bool(med * 1e3 <= 20.0),
        'machine': machine(load0),
    }
    write_result('cashflows', out)
    w = 44
    print(f"{'cash-flow benchmark':<{w}}{'value':>14}")
    for k, v in [('loans x months', f"{out['loans']} x {n}"), ('engine median (ms)', f"{out['median_ms']:.2f}"),
                 ('engine min / p90 (ms)', f"{out['min_ms']:.2f} / {out['p90_ms']:.2f}"),
                 ('engine CPU time, median (ms)', f"{out['cpu_median_ms']:.2f}"),
                 ('Engine.project, loans kept (ms)', f"{out['engine_reuse_median_ms']:.2f}"),
                 ('reference (per-loan Python) (s)', f"{ref_med:.2f}"),
                 ('speed ratio reference / engine', f"{out['speed_ratio_reference_over_engine']:,.0f}x"),
                 ('max |engine - reference| ($)', f"{maxdiff:.2e}"),
                 ('target median <= 20 ms', 'met' if out['meets_target'] else 'NOT met'),
                 ('load average before / after', f"{load0[0]:.2f} / {os.getloadavg()[0]:.2f}")]:
        print(f"{k:<{w}}{v:>14}")
    print(f"pool: {source}")
    return out


if __name__ == '__main__':
    main()
