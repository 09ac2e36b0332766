"""Benchmark: the collateral projection of S prepayment/default scenarios at once (`Engine.project_batch`) against
`Engine.project` run once per scenario, on the sample pool and the default Engine (2003-01-24 forward curve, 360 months).

Scenarios are drawn from a grid (speed 0-300% by 25, CDR 0-30 by 2.5, severity 0-1 by 0.1, lag 0/6/12/18/24: at most
55 distinct (severity, lag) pairs, whose loss bases are computed once and kept on the Engine), and, as the worst case,
with a continuous severity (every scenario its own pair). Each figure is the best of `--repeats` runs, in microseconds
per scenario; "cold" is the first call on a fresh Engine (loss bases computed), "warm" a repeat call (loss bases kept).
The output arrays are allocated afresh on every call, so every figure includes their page faults.

Usage: python bench/bench_collateral_batch.py [--sizes 1000 10000] [--repeats 3] [--single 200]
Writes bench/results/collateral_batch.json and prints a table. The machine is shared: the load average is recorded.
"""
import argparse, os, statistics, sys, time
from pathlib import Path

import numpy as np
from _common import machine, write_result

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from impac_research import cashflows as cf  # noqa: E402
from impac_research.pool import sample_pool  # noqa: E402


def grid(S, rng, continuous=False):
    "S scenarios drawn from the grid (continuous: severity uniform on [0, 1], one (severity, lag) pair per scenario)."
    return dict(speed=rng.choice(np.arange(0, 301, 25.0), S), cdr=rng.choice(np.arange(0, 30.1, 2.5), S),
                severity=rng.uniform(0, 1, S) if continuous else rng.choice(np.linspace(0, 1, 11), S),
                lag=rng.choice([0, 6, 12, 18, 24], S))


def best(f, repeats):
    "Best wall-clock time of `repeats` calls and the CPU time of that call (seconds)."
    ts = []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time(); f(); ts.append((time.perf_counter() - t, time.process_time() - c))
    return min(ts)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--sizes', type=int, nargs='+', default=[1000, 10000])
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--single', type=int, default=200, help='scenarios timed one by one with Engine.project')
    ap.add_argument('--continuous', type=int, default=1000, help='S of the continuous-severity worst case (0: skip)')
    args = ap.parse_args(argv)
    load0 = os.getloadavg()
    pool, rng = sample_pool(), np.random.default_rng(2003)
    t = time.perf_counter(); E = cf.Engine(pool); engine_s = time.perf_counter() - t
    one = grid(args.single, rng)
    E.project(speed=100)                                                   # warm-up
    single, single_cpu = [], []
    for i in range(args.single):                                           # loss bases cached as they come
        kw = {k: v[i] for k, v in one.items()}
        t, c = time.perf_counter(), time.process_time(); E.project(**kw)
        single.append(time.perf_counter() - t); single_cpu.append(time.process_time() - c)
    single_us = statistics.median(single) * 1e6
    cf.Engine(pool).project_batch(**grid(max(args.sizes), rng))            # warm-up: the process's first large blocks
    rows = []
    for S in args.sizes:
        B = grid(S, rng)
        for label, cols in (('all columns', None), ('waterfall columns', cf.WATERFALL_COLUMNS)):
            Ec = cf.Engine(pool)
            cold, _ = best(lambda: Ec.project_batch(**B, columns=cols), 1)
            warm, cpu = best(lambda: Ec.project_batch(**B, columns=cols), args.repeats)
            mb = len(cols or cf.FLOW_COLUMNS) * len(Ec.groups) * S * E.n * 8 / 1e6
            rows.append(dict(S=S, columns=label, cold_us=cold / S * 1e6, warm_us=warm / S * 1e6, warm_cpu_us=cpu / S * 1e6,
                             output_mb=mb))
    if args.continuous:
        S = args.continuous
        B = grid(S, rng, continuous=True)
        Ec = cf.Engine(pool)
        cold, cpu = best(lambda: Ec.project_batch(**B, columns=cf.WATERFALL_COLUMNS), 1)
        rows.append(dict(S=S, columns='waterfall columns, continuous severity', cold_us=cold / S * 1e6,
                         warm_us=float('nan'), warm_cpu_us=float('nan'), output_mb=len(cf.WATERFALL_COLUMNS) * 2 * S * E.n * 8 / 1e6))
    out = {'what': 'Engine.project_batch vs Engine.project, sample pool, both groups, 360 months',
           'loans': int(len(pool)), 'engine_build_ms': round(engine_s * 1e3, 1),
           'engine_project_median_us': round(single_us, 1),
           'engine_project_cpu_median_us': round(statistics.median(single_cpu) * 1e6, 1), 'batch': rows, 'machine': machine(load0)}
    write_result('collateral_batch', out)
    print(f"pool: {len(pool)} loans x {E.n} months; Engine built in {engine_s * 1e3:.0f} ms")
    print(f"Engine.project, one scenario at a time (median of {args.single}): {single_us:,.0f} us per scenario "
          f"(CPU {statistics.median(single_cpu) * 1e6:,.0f} us)")
    print(f"{'S':>7}  {'columns':<40}{'cold us/scen':>13}{'warm us/scen':>13}{'warm CPU us':>12}{'vs project':>11}{'output MB':>11}")
    for r in rows:
        per = r['warm_us'] if np.isfinite(r['warm_us']) else r['cold_us']          # the ratio uses warm when there is one
        print(f"{r['S']:>7}  {r['columns']:<40}{r['cold_us']:>13,.1f}{r['warm_us']:>13,.1f}{r['warm_cpu_us']:>12,.1f}"
              f"{single_us / per:>10,.1f}x{r['output_mb']:>11,.0f}")
    print(f"load average before / after: {load0[0]:.2f} / {os.getloadavg()[0]:.2f}")
    return out


if __name__ == '__main__':
    main()
