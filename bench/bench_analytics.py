"""Benchmark of impac_research.analytics (helper E).

1. One table column: DM solve + WAL + MDUR (both conventions) + window on a 360-period bond cash-flow vector.
2. One breakeven search with a writedown function of known cost (a sleep standing in for a deal run), so the search's
   own overhead and its number of evaluations are visible: time = evaluations x cost + overhead.

Usage: python bench/bench_analytics.py [--repeat N] [--cost-ms MS]
"""
import argparse, statistics, time
import numpy as np
from impac_research import analytics as A
from impac_research.deal import payment_dates, load_deal


def timeit(fn, repeat):
    out = []
    for _ in range(repeat):
        t = time.perf_counter(); fn(); out.append(time.perf_counter() - t)
    return statistics.median(out), min(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--repeat', type=int, default=50)
    ap.add_argument('--cost-ms', type=float, default=20.0, help='cost of one writedown evaluation (a deal run)')
    args = ap.parse_args()

    settle = load_deal().dates.settlement_date
    d = A.as_dates(payment_dates(360)); n = d.size
    tau = np.diff(np.r_[A.as_dates(settle), d]).astype(int) / 360
    smm = 0.01; face = 312_263_000.0
    bal = face * (1 - smm) ** np.arange(n); prin = bal * smm; prin[-1] = bal[-1]
    fwd = A.dm_index_path('flat', n)
    cf = bal * (fwd + 0.40) / 100 * tau + prin

    def column(conv):
        dm = A.dm_from_price(100.0, d, cf, fwd, settle, face)
        w = A.wal(d, prin, settle)
        md = A.mod_duration(d, cf, settle, 100.0, conv, fwd, face)
        win = A.window(d, prin)
        return dm, w, md, win

    for conv in ('dm', 'sf'):
        column(conv)
        med, best = timeit(lambda: column(conv), args.repeat)
        print(f"table column, 360 periods, duration={conv!r}: median {med * 1e3:.2f} ms (best {best * 1e3:.2f} ms)")
    med, best = timeit(lambda: A.dm_from_price(100.0, d, cf, fwd, settle, face), args.repeat)
    print(f"DM solve alone (brentq), 360 periods: median {med * 1e3:.2f} ms")

    cost = args.cost_ms / 1e3
    be_true = 13.37
    def wd(c):
        time.sleep(cost)
        return max(0.0, c - be_true) * 1e6
    t = time.perf_counter(); r = A.breakeven_cdr(wd, tol=0.01); el = time.perf_counter() - t
    print(f"breakeven search (tol 0.01 CDR, eval cost {args.cost_ms:.0f} ms): {el:.3f} s, {r.evaluations} evaluations, "
          f"overhead {(el - r.evaluations * cost) * 1e3:.1f} ms, cdr {r.cdr:.4f} (true {be_true})")

    # the same search on real deal runs (if the waterfall is there): Class 1-B-1, 30% severity, zero lag, pricing speed,
    # flat LIBOR, to maturity, on stylised level-pay collateral (the final pool comes from impac_research.pool)
    try:
        from impac_research import waterfall as W
        from impac_research.deal import pricing_cpr
    except ImportError:
        return
    L = A.dm_index_path('flat', 360)
    def run(c):
        coll = {g: W.level_pay_collateral(g, cdr=c, severity=0.30, cpr=pricing_cpr(g, 360)) for g in (1, 2)}
        res = W.run_deal(coll, L, call=False)
        return A.cumulative_writedown(res.bonds['1-B-1']), res
    t = time.perf_counter(); run(0.0); one = time.perf_counter() - t
    t = time.perf_counter(); r = A.breakeven_cdr(run, tol=0.01); el = time.perf_counter() - t
    fl = A.first_loss(r.run_loss.bonds['1-B-1'])
    print(f"breakeven on waterfall runs (stylised collateral, 1-B-1, sev 30%, to maturity): {el:.2f} s, "
          f"{r.evaluations} runs (one run + collateral {one * 1e3:.0f} ms), cdr {r.cdr:.3f}, first loss period {fl}")


if __name__ == '__main__':
    main()
