"""The scenario engine side by side with the reference engine, in one process (issue 13's acceptance).

Measures, on the sample pool and the 2003-01-24 curves:
- one single-scenario run of the previous engine: the collateral (`Engine.project`, the loan-rate matrix already built),
  the reference scalar waterfall (`tests/waterfall_reference.py`) and the three classes' measures (`analytics.bond_measures`);
- the same single scenario through the batch engine (`waterfall.run_deal`, S = 1) and through `materials.scenario_grid`;
- a 10,000-scenario grid through `materials.scenario_grid` (collateral, waterfall and analytics), half to the call and
  half to maturity, warm (the five index paths' loan-rate matrices built) and cold, with its peak memory; and a grid of
  the same size run to the call only (the horizon of the DM tables);
- `materials.breakeven_table` (warm).

Run: `python bench/bench_grid.py [--scenarios 10000] [--dask]`. Prints a table and writes bench/results/grid.json.
With `--dask` it then runs `bench_dask_grid.py` (the same grid in process and on a 2-worker LocalCluster, and 100,000
scenarios on the cluster with peak memory; the `grid` extra).
"""
import argparse, os, resource, statistics, sys, time
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'tests'))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import waterfall_reference as reference
from _common import machine, write_result
from impac_research import materials, waterfall, analytics
from impac_research.deal import load_deal

def median_ms(f, repeat=15):
    "Median wall time of f() in ms."
    ts = []
    for _ in range(repeat):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1e3

def single(run_waterfall, eng, libor, dates):
    "One scenario: collateral, waterfall, the three classes' DM/WAL/MDUR/window."
    coll = dict(eng.project(speed=100, cdr=2.0, severity=0.35, lag=0))
    res = run_waterfall(coll, libor, call=True)
    for b, frame in res.bonds.items():
        flows = frame.assign(interest=frame.interest + frame.basis_risk_paid + frame.writedown_reimbursed)
        analytics.bond_measures(flows, load_deal().classes[b].price, index_path=libor)

def grid_axes(n):
    "A grid of about n scenarios: speed x CDR x severity x lag x horizon x 5 shocks."
    k = max(int(round((n / 40) ** 0.5)), 1)
    return dict(speed=tuple(np.linspace(25, 300, k).round(1)), cdr=tuple(np.linspace(0, 20, k).round(2)), severity=(0.25, 0.45),
                lag=(0, 6), horizon=('call', 'maturity'), shock_bp=(-100, 0, 100, 200, 300))

def main(n_grid):
    load0 = os.getloadavg()
    eng, libor = materials._engine(None, 'flat', 0.0, 1, materials._model_key())
    dates = waterfall.payment_dates(360)
    single(waterfall.run_deal, eng, libor, dates)                     # compile / load the engine
    out = {}
    out['single_reference_ms'] = median_ms(lambda: single(reference.run_deal, eng, libor, dates))
    out['single_engine_ms'] = median_ms(lambda: single(waterfall.run_deal, eng, libor, dates))
    materials.scenario_grid(cdr=(2.0,), severity=(0.35,))
    out['single_scenario_grid_ms'] = median_ms(lambda: materials.scenario_grid(cdr=(2.0,), severity=(0.35,)))
    axes = grid_axes(n_grid)
    t = time.perf_counter(); g = materials.scenario_grid(**axes); cold = time.perf_counter() - t
    t = time.perf_counter(); g = materials.scenario_grid(**axes); warm = time.perf_counter() - t
    S = g.scenario.nunique()
    out.update(grid_scenarios=int(S), grid_rows=int(len(g)), grid_cold_s=cold, grid_warm_s=warm,
               grid_per_scenario_ms=warm / S * 1e3, grid_dm_unsolved_rows=int((g.problem != '').sum()),
               peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    out['ratio_reference_to_grid'] = out['single_reference_ms'] / out['grid_per_scenario_ms']
    call_axes = {**axes, 'horizon': ('call',), 'lag': (0, 3, 6, 12)}                  # the same size, every run to the call
    materials.scenario_grid(**call_axes)
    t = time.perf_counter(); gc = materials.scenario_grid(**call_axes); warm_call = time.perf_counter() - t
    out.update(call_grid_scenarios=int(gc.scenario.nunique()), call_grid_warm_s=warm_call,
               call_grid_per_scenario_ms=warm_call / gc.scenario.nunique() * 1e3)
    out['ratio_reference_to_call_grid'] = out['single_reference_ms'] / out['call_grid_per_scenario_ms']
    materials.breakeven_table()
    out['breakeven_table_warm_s'] = median_ms(materials.breakeven_table, repeat=5) / 1e3
    out['machine'] = machine(load0)
    for k, v in out.items(): print(f"{k:>28}: {v:.4f}" if isinstance(v, float) else f"{k:>28}: {v}")
    write_result('grid', out)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--scenarios', type=int, default=10_000)
    ap.add_argument('--dask', action='store_true', help='also the grid on a 2-worker LocalCluster (bench_dask_grid.py)')
    args = ap.parse_args()
    main(args.scenarios)
    if args.dask:
        import bench_dask_grid
        bench_dask_grid.main(args.scenarios, 100_000, 2)
