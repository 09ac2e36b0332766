"""Monte Carlo OAS (issue 15's acceptance): `materials.oas_table(paths=1000)` in process and on a 2-worker LocalCluster.

Measures, on the sample pool and the 2003-01-24 curves, at the default assumptions (Hull-White a = 0.03, sigma from
the 2001-2003 history):
- `oas_table(paths=1000)` in process, cold (first call in the process: curves, numba cache load) and warm (median of 3);
- where the time goes, for one block of paths on one curve shift: rate paths, the collateral engine over the paths,
  the projection, the two waterfalls, the prices (one OAS evaluation);
- the same table on a 2-worker `distributed.LocalCluster` (the `grid` extra), cluster start included and not;
- `oas_table(paths=10000)` in process, and the 1-A-1 OAS standard error at 1,000 and 10,000 paths.

Run: `python bench/bench_oas.py [--no-dask]`. Prints the figures and writes bench/results/oas.json.
"""
import argparse, os, statistics, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, write_result
import numpy as np

def timed(f):
    t = time.perf_counter(); out = f(); return out, time.perf_counter() - t

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--no-dask', action='store_true', help='skip the LocalCluster run')
    args = ap.parse_args(argv)
    load0 = os.getloadavg()
    from impac_research import materials, oas, cashflows, waterfall, rates
    res = {}
    t1000, res['oas_table_1000_cold_s'] = timed(lambda: materials.oas_table(paths=1000))
    res['oas_table_1000_warm_s'] = statistics.median(timed(lambda: materials.oas_table(paths=1000))[1] for _ in range(3))
    # one block of paths, step by step
    chunk = int(oas.oas_assumption('chunk_paths'))
    m = oas.hull_white(rates.build_curves())
    dates = oas.bond_fixing_dates(360)
    x = oas.factor_paths(1000, 2003, m, m.evaluate(lambda q: [q.time(d) for d in dates]))[:chunk]
    rp, res['block_rate_paths_s'] = timed(lambda: oas.rate_paths(x, m))
    eng, res['block_collateral_engine_s'] = timed(lambda: oas._collateral_engine(rp.indices, 360))
    coll, res['block_projection_s'] = timed(lambda: eng.project_batch(speed=100.0, columns=cashflows.WATERFALL_COLUMNS))
    _, res['block_waterfalls_s'] = timed(lambda: waterfall.run_batch(coll, rp.libor, call=True, detail=False))
    res['block_paths'] = chunk
    if not args.no_dask:
        import distributed
        cluster_client, res['cluster_start_s'] = timed(lambda: (lambda c: (c, distributed.Client(c)))(materials.grid_cluster(2)))
        cluster, client = cluster_client
        try:
            remote, res['oas_table_1000_cluster_first_s'] = timed(lambda: materials.oas_table(paths=1000, scheduler=client))
            res['oas_table_1000_cluster_warm_s'] = timed(lambda: materials.oas_table(paths=1000, scheduler=client))[1]
            res['cluster_equals_in_process'] = bool(remote.equals(t1000))
        finally: client.close(); cluster.close()
    t10k, res['oas_table_10000_s'] = timed(lambda: materials.oas_table(paths=10000))
    res['oas_stderr_1A1_1000_bp'] = float(t1000.loc['1-A-1', 'oas_stderr'])
    res['oas_stderr_1A1_10000_bp'] = float(t10k.loc['1-A-1', 'oas_stderr'])
    res['table_1000'] = {b: {k: round(float(v), 6) for k, v in row.items()} for b, row in t1000.iterrows()}
    res['table_10000'] = {b: {k: round(float(v), 6) for k, v in row.items()} for b, row in t10k.iterrows()}
    res['machine'] = machine(load0)
    for k, v in res.items():
        if not isinstance(v, dict): print(f"{k:36s} {v:.3f}" if isinstance(v, float) else f"{k:36s} {v}")
    print(t1000.round(4).to_string()); print(t10k.round(4).to_string())
    print('written', write_result('oas', res))

if __name__ == '__main__': main()
