"""Update latency of the interactive panel (issue 16): one control change -> engine, table and plots redrawn.

Builds `materials.explore()` (debounce off, so each change updates at once), warms it, then changes one control ~20
times per kind and reports the median seconds of `Explorer.update` (engine run + `scenario_grid` row + plots drawn and
encoded), split into its parts. Kinds: CDR and speed steps (the loan-rate matrix of the index path cached, as when a
slider is dragged), and the curve shock (a new index path: the loan-level rates are rebuilt, cached afterwards).
Goal: under 150 ms a change for the CDR / speed steps.

Run: `python bench/bench_explore.py [--changes 20]`. Prints a table and writes bench/results/explore.json.
"""
import argparse, os, statistics, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, write_result
from impac_research import materials
from impac_research import explore as X

def median_ms(ts): return round(statistics.median(ts) * 1e3, 1)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0]); ap.add_argument('--changes', type=int, default=20)
    n = ap.parse_args(argv).changes
    load0 = os.getloadavg()
    t = time.perf_counter(); p = materials.explore(debounce=0); first = time.perf_counter() - t
    p.set(cdr=0.5); p.set(speed=105)                                    # warm
    out = {'first_panel_s': round(first, 2)}
    for kind, values in {'cdr': [0.25 * (i + 1) for i in range(n)], 'speed': [100 + 5 * (i + 1) for i in range(n)],
                         'shock_bp': [25 * (i + 1) for i in range(n)]}.items():
        p.latency.clear(); parts = {'engine': [], 'plots': []}
        for v in values:
            p.controls[kind].value = v
            st = p.state(); t = time.perf_counter(); X.scenario_table(st); coll, res = X.scenario_run(st)
            parts['engine'].append(time.perf_counter() - t)                # cached now: the table's grid row is not
            t = time.perf_counter(); p.plots.update(res, st['bond']); parts['plots'].append(time.perf_counter() - t)
        assert p.last_error is None, p.last_error
        out[kind] = {'median_ms': median_ms(p.latency), 'max_ms': round(max(p.latency) * 1e3, 1), 'changes': len(p.latency),
                     'plots_median_ms': median_ms(parts['plots'])}
        p.set(**{kind: {'cdr': 0.0, 'speed': 100.0, 'shock_bp': 0}[kind]})
    out['goal_ms'] = 150; out['machine'] = machine(load0)
    print(f"{'change':<10}{'median ms':>10}{'max ms':>9}{'plots ms':>10}")
    for k in ('cdr', 'speed', 'shock_bp'):
        r = out[k]; print(f"{k:<10}{r['median_ms']:>10}{r['max_ms']:>9}{r['plots_median_ms']:>10}")
    print(f"first panel: {out['first_panel_s']} s; load {out['machine']['loadavg_1m_before']} -> {out['machine']['loadavg_1m_after']}")
    print('wrote', write_result('explore', out))
    return out

if __name__ == '__main__': main()
