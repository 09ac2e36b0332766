"""Benchmark: regenerating the reconstructed sample pool (issue 3).

`pool.reconstruct()` rebuilds both loan groups from the printed tables (Group 1: categorical assignment + balance LP +
repairs; Group 2: the block MILP), then validates the tape. Each run is timed in this process (with the time at which
each solver step reports, from reconstruct's own log), and the result is checked byte for byte against the shipped
`data/sample_pool.csv` (its sha256). No solver time limit
is used anywhere, so the result never depends on the machine; only the time does. Target: under 60 s.

Usage: python bench/bench_pool.py [--runs 1]
Writes bench/results/pool.json. The machine is shared (2 cores): the load average is recorded before and after.
"""
import argparse, hashlib, os, statistics, time

from _common import machine, write_result
from impac_research import pool

TARGET_S = 60.0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--runs', type=int, default=1, help='number of full regenerations (each ~40-60 s)')
    a = ap.parse_args(argv)
    load0 = os.getloadavg()
    stored = (pool._pool_path().parent / 'sample_pool.sha256').read_text().split()[0]
    runs = []
    for _ in range(a.runs):
        steps, t0 = [], time.perf_counter()
        log = lambda *a: steps.append([round(time.perf_counter() - t0, 2), ' '.join(map(str, a))])
        df = pool.reconstruct(log=log)
        t = {'reconstruct_s': time.perf_counter() - t0, 'steps': steps,
             'identical_to_stored': hashlib.sha256(pool.pool_csv(df)).hexdigest() == stored}
        runs.append(t)
        for at, msg in steps: print(f"  {at:6.1f} s  {msg}")
        print(f"reconstruct() {t['reconstruct_s']:.1f} s, byte-identical to the shipped tape: {t['identical_to_stored']}")
    med = statistics.median(r['reconstruct_s'] for r in runs)
    res = {'runs': runs, 'reconstruct_median_s': round(med, 2), 'target_s': TARGET_S, 'met': med <= TARGET_S,
           'all_identical': all(r['identical_to_stored'] for r in runs), 'machine': machine(load0)}
    p = write_result('pool', res)
    print(f"median reconstruct() {med:.1f} s (target {TARGET_S:.0f} s) -> {p}")
    return 0 if res['all_identical'] else 1


if __name__ == '__main__':
    raise SystemExit(main())
