"""Benchmark: the whole deal (issue 5).

(a) One full deal run = collateral projection of both groups (cashflows.project, 1,293 loans x 360 months) + both
    priorities of payments (waterfall.run_deal), at 100% of the pricing speed on the 2003-01-24 forward curve (curves and
    index paths built once, as in a scenario grid), to call and to maturity; median over --runs runs. Also the waterfall
    alone, and a new scenario through the public cached path `materials.run` (index paths + projection + waterfall).
    Target: full deal run median <= 50 ms. Timed on the 1,293 loans (the heavier, loan-by-loan reading) and on the
    shipped collateral model (one line per product, assumption cashflows.collateral_model).
(b) Every table of the materials from a cold cache, in a fresh process: the term sheet, 3 classes x 2 horizons DM tables,
    2 available rate schedules, the breakeven table, the collateral tables and summaries of both groups. Timed twice:
    in sequence sharing the run cache as a user session would (total wall time), and each table alone from an empty run
    cache. Target: every table <= 10 s.
A missed target is profiled with cProfile; the hot spots are printed and stored in the JSON.

Usage: python bench/bench_deal.py [--runs 25] [--no-profile]
Writes bench/results/deal.json. The machine is shared (2 cores): the load average and CPU medians are recorded.
"""
import argparse, cProfile, io, json, os, pstats, statistics, subprocess, sys, time
from pathlib import Path

import numpy as np
from _common import machine, write_result

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / 'tests'))
from materials_standin import use_standin, real_pool_available  # noqa: E402
from impac_research import materials as M, cashflows, waterfall, rates  # noqa: E402

TARGET_RUN_MS, TARGET_TABLE_S = 50.0, 10.0


def _pool_source():
    return ('impac_research.pool.sample_pool() (reconstructed tape)' if real_pool_available() else
            'tests/materials_standin.standin_tape(0) (seed product mix; reconstructed tape absent)')


def _tables():
    "name -> thunk for every table of the materials."
    t = {'term_sheet': M.term_sheet}
    for b in ('1-A-1', '1-B-1', '2-A-1'):
        for h in M.HORIZONS: t[f'dm_table {b} {h}'] = (lambda b=b, h=h: M.dm_table(b, h))
    for g in (1, 2): t[f'available_rate_schedule {g}'] = (lambda g=g: M.available_rate_schedule(g))
    t['breakeven_table'] = M.breakeven_table
    for g in (1, 2):
        t[f'collateral_tables {g}'] = (lambda g=g: M.collateral_tables(g))
        t[f'collateral_summary {g}'] = (lambda g=g: M.collateral_summary(g))
    return t


def _hot(fn, n=12):
    "cProfile of one call: the top functions by internal time."
    pr = cProfile.Profile(); pr.enable(); fn(); pr.disable()
    st = pstats.Stats(pr); st.sort_stats('tottime')
    rows = []
    for (f, line, name), (cc, nc, tt, ct, _) in sorted(st.stats.items(), key=lambda kv: -kv[1][2])[:n]:
        rows.append({'function': f"{Path(f).name}:{line}({name})", 'calls': nc, 'tottime_s': round(tt, 4), 'cumtime_s': round(ct, 4)})
    return rows


def cold_tables():
    "Run in a fresh process: time every table (sequence with a shared cache, then each alone from an empty cache)."
    t0 = time.perf_counter()
    use_standin(M)
    M.get_pool(); M.curves()
    setup = time.perf_counter() - t0
    seq = {}
    for name, fn in _tables().items():
        t = time.perf_counter(); fn(); seq[name] = time.perf_counter() - t
    alone = {}
    for name, fn in _tables().items():
        M._run.cache_clear()
        t = time.perf_counter(); fn(); alone[name] = time.perf_counter() - t
    print(json.dumps({'setup_s': setup, 'sequence_s': seq, 'alone_s': alone}))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--runs', type=int, default=25)
    ap.add_argument('--no-profile', action='store_true')
    ap.add_argument('--cold-tables', action='store_true', help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.cold_tables: return cold_tables()
    load0 = os.getloadavg()
    use_standin(M)
    pool = M.get_pool()
    curves = M.curves()
    sc = rates.RateScenario(curve='forward')
    paths, lib = rates.index_paths(curves, sc, n=360), rates.bond_libor(curves, sc, n=360)

    def deal(call):
        coll = dict(cashflows.project(pool, paths, speed=100))
        return coll, waterfall.run_deal(coll, lib, call=call)

    res = {}
    for label, call in (('call', True), ('maturity', False)):
        coll, _ = deal(call)                                                   # warm-up
        full, cpu, wf = [], [], []
        for _ in range(args.runs):
            t, c = time.perf_counter(), time.process_time()
            deal(call)
            full.append(time.perf_counter() - t); cpu.append(time.process_time() - c)
        for _ in range(args.runs):
            t = time.perf_counter(); waterfall.run_deal(coll, lib, call=call); wf.append(time.perf_counter() - t)
        res[label] = {'full_median_ms': statistics.median(full) * 1e3, 'full_min_ms': min(full) * 1e3,
                      'full_cpu_median_ms': statistics.median(cpu) * 1e3, 'waterfall_median_ms': statistics.median(wf) * 1e3,
                      'projection_median_ms': (statistics.median(full) - statistics.median(wf)) * 1e3}
    reps = cashflows.rep_lines(pool)
    for label, call in (('call', True), ('maturity', False)):
        full = []
        for _ in range(args.runs):
            t = time.perf_counter()
            waterfall.run_deal(dict(cashflows.project(reps, paths, speed=100, rounding='none')), lib, call=call)
            full.append(time.perf_counter() - t)
        res[f'rep_lines_{label}_median_ms'] = statistics.median(full) * 1e3
    scen = []
    for i in range(max(5, args.runs // 5)):                                   # a new scenario through the public path
        M._run.cache_clear()
        t = time.perf_counter(); M.run(100 + i, shock_bp=25 * i); scen.append(time.perf_counter() - t)
    res['materials_run_new_scenario_median_ms'] = statistics.median(scen) * 1e3

    env = dict(os.environ)
    out = subprocess.run([sys.executable, __file__, '--cold-tables'], capture_output=True, text=True, env=env, cwd=HERE.parent)
    if out.returncode: raise SystemExit(out.stderr)
    cold = json.loads(out.stdout.strip().splitlines()[-1])
    total_seq = sum(cold['sequence_s'].values())
    worst = max(cold['alone_s'], key=cold['alone_s'].get)

    run_ok = max(res['call']['full_median_ms'], res['maturity']['full_median_ms']) <= TARGET_RUN_MS
    tables_ok = max(cold['alone_s'].values()) <= TARGET_TABLE_S and total_seq <= TARGET_TABLE_S
    profile = {}
    if not args.no_profile:
        if not run_ok:
            coll = dict(cashflows.project(pool, paths, speed=100))
            profile['deal_run_maturity'] = _hot(lambda: (cashflows.project(pool, paths, speed=100), waterfall.run_deal(coll, lib, call=False)))
        if not tables_ok:
            fn = _tables()[worst]
            M._run.cache_clear(); profile[f'table {worst}'] = _hot(fn)
    r = lambda x, d=3: round(float(x), d)
    result = {
        'what': 'full deal run = cashflows.project (both groups) + waterfall.run_deal (both groups), 100% pricing speed, forward curve',
        'pool': _pool_source(), 'loans': int(len(pool)), 'runs': args.runs,
        'deal_run': {h: {k: r(v) for k, v in res[h].items()} for h in ('call', 'maturity')},
        'deal_run_rep_lines (shipped collateral model)': {'lines': int(len(reps)), 'call_median_ms': r(res['rep_lines_call_median_ms']),
                                                          'maturity_median_ms': r(res['rep_lines_maturity_median_ms'])},
        'materials_run_new_scenario_median_ms': r(res['materials_run_new_scenario_median_ms']),
        'tables_cold': {'setup_s (import, pool, curves)': r(cold['setup_s']),
                        'sequence_s': {k: r(v) for k, v in cold['sequence_s'].items()}, 'sequence_total_s': r(total_seq),
                        'alone_s': {k: r(v) for k, v in cold['alone_s'].items()}, 'slowest_alone': worst},
        'targets': {'deal_run_median_ms': TARGET_RUN_MS, 'table_s': TARGET_TABLE_S},
        'meets_target': {'deal_run': bool(run_ok), 'tables': bool(tables_ok)},
        'profile_top_tottime': profile,
        'machine': machine(load0),
    }
    write_result('deal', result)
    w = 46
    print(f"pool: {result['pool']}  (load avg {result['machine']['loadavg_1m_before']})")
    print(f"{'deal run (median of %d)' % args.runs:<{w}}{'to call':>12}{'to maturity':>14}")
    for k, lab in (('full_median_ms', 'full run, ms'), ('full_cpu_median_ms', 'full run CPU, ms'),
                   ('projection_median_ms', '  of which projection, ms'), ('waterfall_median_ms', '  waterfall alone, ms')):
        print(f"{lab:<{w}}{res['call'][k]:>12.1f}{res['maturity'][k]:>14.1f}")
    print(f"{'full run on the %d rep lines (shipped), ms' % len(reps):<{w}}{res['rep_lines_call_median_ms']:>12.1f}{res['rep_lines_maturity_median_ms']:>14.1f}")
    print(f"{'materials.run, new scenario (paths+proj+wf), ms':<{w}}{res['materials_run_new_scenario_median_ms']:>12.1f}")
    print(f"target full run <= {TARGET_RUN_MS:.0f} ms: {'met' if run_ok else 'MISSED'}")
    print(f"\n{'table (cold)':<{w}}{'in sequence s':>14}{'alone s':>10}")
    for k in cold['sequence_s']:
        print(f"{k:<{w}}{cold['sequence_s'][k]:>14.2f}{cold['alone_s'][k]:>10.2f}")
    print(f"{'total (sequence)':<{w}}{total_seq:>14.2f}")
    print(f"target every table <= {TARGET_TABLE_S:.0f} s: {'met' if tables_ok else 'MISSED'} (slowest alone: {worst})")
    for k, rows in profile.items():
        print(f"\nhot spots, {k} (top by internal time):")
        for row in rows: print(f"  {row['tottime_s']:>8.3f}s {row['cumtime_s']:>8.3f}s {row['calls']:>8} {row['function']}")


if __name__ == '__main__':
    main()
