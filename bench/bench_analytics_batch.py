"""Benchmark: bond analytics batched over scenarios (`analytics.bond_measures_batch`) against `analytics.bond_measures`
one scenario at a time, in one process.

S scenarios x 360 periods of Class-1-A-1-like floater cash flows: constant SMM 0.2-8%, margin 0.40-3.00%, each
scenario on its own one-month LIBOR path (flat at the 1.34875% fixing, or rising by up to 4.5% over the term), a third
of them called (no cash after period 60-120), a sixth with principal written down; prices 95-105. Both sides compute
DM, WAL, MDUR and the window; the batch also the writedown total and the first-loss period. The batch's numbers are
checked against the scalar ones on the sample that is timed.

Also one breakeven search (tol 0.01 CDR) on a synthetic writedown function: calls of `writedown_fn` vs `batch_fn`.

Usage: python bench/bench_analytics_batch.py [--scenarios 10000] [--sample 300] [--repeat 3] [--duration sf_act360]
Writes bench/results/analytics_batch.json. The machine is shared: the load average is recorded, and process CPU time
(`time.process_time`) is printed next to wall-clock time. Goal: well under 0.05 ms per scenario batched.
"""
import argparse, os, sys, time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, write_result  # noqa: E402

from impac_research import analytics as A  # noqa: E402
from impac_research.deal import load_deal, payment_dates  # noqa: E402


def scenarios(S, n=360, seed=0):
    "Cash, principal, writedown (S, n), LIBOR paths (S, n), prices and face of S floater scenarios."
    rng = np.random.default_rng(seed)
    settle = load_deal().dates.settlement_date
    d = A.as_dates(payment_dates(n)); tau = np.diff(np.r_[A.as_dates(settle), d]).astype(int) / 360
    face = 312_263_000.0
    smm, margin = rng.uniform(0.002, 0.08, S), rng.uniform(0.40, 3.00, S)
    lib = 1.34875 + np.outer(rng.uniform(0, 4.5, S) * (rng.uniform(size=S) < 0.5), np.linspace(0, 1, n))
    bal = face * (1 - smm[:, None]) ** np.arange(n)
    prin = bal * smm[:, None]; prin[:, -1] = bal[:, -1]
    wd = np.zeros((S, n))
    hit = rng.uniform(size=S) < 1 / 6                                  # losses: 0.5% of the balance written down each period from 36 on
    wd[hit, 36:] = 0.005 * bal[hit, 36:]; prin[hit, 36:] *= 0.5
    called = rng.uniform(size=S) < 1 / 3                               # clean-up call: the rest paid at the call period, nothing after
    kc = rng.integers(60, 121, S)
    cols = np.arange(n)
    prin[called] = np.where(cols < kc[called, None], prin[called], 0.0)
    prin[called, kc[called]] = bal[called, kc[called]]
    cash = bal * (lib + margin[:, None]) / 100 * tau + prin
    cash[called] = np.where(cols <= kc[called, None], cash[called], 0.0)
    return d, cash, prin, wd, lib, rng.uniform(95, 105, S), face, settle


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--scenarios', type=int, default=10_000)
    ap.add_argument('--sample', type=int, default=300, help='scenarios timed through bond_measures one by one')
    ap.add_argument('--repeat', type=int, default=3)
    ap.add_argument('--duration', default=None, help='duration convention (default: the assumption)')
    args = ap.parse_args(argv)
    load0 = os.getloadavg()
    conv = args.duration or A.analytics_assumption('duration_convention')
    d, cash, prin, wd, lib, price, face, settle = scenarios(args.scenarios)
    S, n = cash.shape

    walls, cpus = [], []
    for _ in range(args.repeat):
        t, c = time.perf_counter(), time.process_time()
        bm = A.bond_measures_batch(d, cash, prin, price, lib, settle, face=face, duration=conv, writedown=wd)
        walls.append(time.perf_counter() - t); cpus.append(time.process_time() - c)
    batch_ms = min(walls) / S * 1e3; batch_cpu_ms = min(cpus) / S * 1e3

    k = np.linspace(0, S - 1, min(args.sample, S)).astype(int)
    frames = [pd.DataFrame({'date': d, 'interest': cash[j] - prin[j], 'principal': prin[j], 'begin_balance': face}) for j in k]
    t, c = time.perf_counter(), time.process_time()
    ref = [A.bond_measures(f, float(price[j]), settle, lib[j], conv) for f, j in zip(frames, k)]
    one_ms = (time.perf_counter() - t) / k.size * 1e3; one_cpu_ms = (time.process_time() - c) / k.size * 1e3
    err = {'dm_bp': max(abs(r['DM'] - bm.dm[j]) for r, j in zip(ref, k)),
           'wal': max(abs(r['WAL'] - bm.wal[j]) for r, j in zip(ref, k)),
           'mdur': max(abs(r['MDUR'] - bm.mdur[j]) for r, j in zip(ref, k)),
           'windows_differ': sum((r['First Prin Pay'], r['Last Prin Pay']) != (A.fmt_months(d, bm.first_prin_pay[j]), A.fmt_months(d, bm.last_prin_pay[j]))
                                 for r, j in zip(ref, k))}

    calls = {}
    for name, kw in (('scalar', {'writedown_fn': lambda c: max(0.0, c - 13.37) * 1e6}),
                     ('batch', {'batch_fn': lambda cs: np.maximum(0.0, cs - 13.37) * 1e6})):
        r = A.breakeven_cdr(tol=0.01, **kw); calls[name] = (r.calls, r.evaluations, r.cdr)

    print(f"{S:,} scenarios x {n} periods, duration {conv!r}, {int(bm.ok.sum())} measured")
    print(f"  bond_measures_batch : {min(walls) * 1e3:8.1f} ms wall ({batch_ms:.4f} ms / scenario; CPU {batch_cpu_ms:.4f} ms / scenario)")
    print(f"  bond_measures       : {one_ms:8.3f} ms / scenario wall (CPU {one_cpu_ms:.3f}), {k.size} scenarios")
    print(f"  speed-up            : {one_ms / batch_ms:8.0f} x (CPU {one_cpu_ms / batch_cpu_ms:.0f} x)")
    print(f"  batch vs one by one : DM {err['dm_bp']:.1e} bp, WAL {err['wal']:.1e}, MDUR {err['mdur']:.1e}, windows differing {err['windows_differ']}")
    print(f"  breakeven (tol 0.01): writedown_fn {calls['scalar'][0]} calls / {calls['scalar'][1]} CDRs; "
          f"batch_fn {calls['batch'][0]} calls / {calls['batch'][1]} CDRs; cdr {calls['scalar'][2]:.4f} = {calls['batch'][2]:.4f}")
    p = write_result('analytics_batch', {'scenarios': S, 'periods': n, 'duration': conv, 'batch_ms_per_scenario': batch_ms,
                                         'batch_cpu_ms_per_scenario': batch_cpu_ms, 'bond_measures_ms_per_scenario': one_ms,
                                         'bond_measures_cpu_ms_per_scenario': one_cpu_ms, 'max_abs_diff': err,
                                         'breakeven_calls': calls, 'machine': machine(load0)})
    print(f"  -> {p}")


if __name__ == '__main__':
    main()
