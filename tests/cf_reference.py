"""Plain per-loan reference for `impac_research.cashflows` (scalar Python, the formulas as written), and a synthetic
pool with the seed's product mix for tests and the benchmark when the reconstructed pool is not available.

The reference follows CONVENTIONS 2.2 (BMA SF-16..19) and 3.1/3.2 literally, one loan and one month at a time:
the level payment of a unit "no-prepay" schedule S is recast at every rate change and at the end of the IO term,
the scheduled amortisation fraction is a_i = 1 - S(i)/S(i-1), and the default pipeline keeps explicit cohorts.
It shares no code with the vectorized engine (only the index lookback convention, restated here: LOOKBACK_RULE).
"""
import datetime as dt, math
import numpy as np
import pandas as pd

CUTOFF = dt.date(2003, 1, 1)
FEES = dict(master=0.03, trustee=0.0057, surety=0.50, surety_from=10)


def _add_months(d, k):
    y, m = divmod(d.month - 1 + k, 12)
    return dt.date(d.year + y, m + 1, d.day)


# each index's lookback follows its uniform note (assumption cashflows.lookback_rule): six-month LIBOR the first
# business day of the month before the change month, one-year CMT and LIBOR 45 days before the change date
LOOKBACK_RULE = {'LIB6M': 'prior_month', 'LIB1Y': 45, 'CMT1Y': 45}


def _rule(ix, lookback_days=None):
    return LOOKBACK_RULE.get(_canon(ix), 45) if lookback_days is None else int(lookback_days)


def _lookback_pos(t, days=45):
    if days == 'prior_month': return max(t - 2, 0)        # the month before the change month (accrual month t)
    lb = _add_months(CUTOFF, t - 1) - dt.timedelta(days=days)
    return max((lb.year - CUTOFF.year) * 12 + lb.month - CUTOFF.month, 0)


def _canon(ix):
    return {'LIB12M': 'LIB1Y'}.get(ix, ix)


def reference_loan(loan, paths, smm, mdr, severity=0.0, lag=0, advancing=True, n=360, smm_base='sf', lookback_days=None):
    """Project one loan (a dict of tape fields). smm, mdr: monthly fractions (length n). Returns dict of lists."""
    B0 = float(loan['current_balance'])
    rate = float(loan['coupon'])
    nad = pd.Timestamp(loan['next_adjustment_date'])
    mtr = (nad.year - 2003) * 12 + nad.month - 1
    freq = int(loan['reset_freq'])
    first = mtr + 1 if mtr >= 1 else 1 + freq
    first_is_initial = (loan['age'] + mtr) < (loan['fixed_period'] + freq / 2.0)
    path = np.asarray(paths[_canon(loan['index'])], float)
    # the index on each change's lookback date: read from the curve when the paths carry it (rates.IndexPaths),
    # else the monthly path's value for the month containing that date
    rule = _rule(loan['index'], lookback_days)
    at = (paths.at_lookback(_canon(loan['index']), n, rule) if hasattr(paths, 'at_lookback')
          else np.array([path[_lookback_pos(t, rule)] for t in range(1, n + 1)]))
    rem, age, io = int(loan['remaining_term']), int(loan['age']), int(loan['io_term'])
    P, F = B0, 0.0
    S = [1.0]                    # unit no-prepay scheduled balance S(0..)
    pmt_unit = None
    nd_hist = []
    cohorts = []                 # [default month, balance] in foreclosure
    out = {k: [] for k in ('rate', 'begin', 'sched', 'prepaid', 'newdef', 'adb', 'amdef', 'loss', 'recov', 'fcl',
                           'end', 'interest', 'base', 'svc', 'lpmi')}
    nreset = 0
    for t in range(1, n + 1):
        recast = False
        if t >= first and (t - first) % freq == 0:
            idx = at[t - 1]
            raw = math.floor((idx + loan['margin']) * 8.0 + 0.5 + 1e-9) / 8.0
            cap = loan['initial_cap'] if (nreset == 0 and first_is_initial) else loan['periodic_cap']
            new = min(max(raw, rate - cap), rate + cap)
            rate = min(max(new, loan['lifetime_floor']), loan['lifetime_cap'])
            nreset += 1
            recast = True
        i = rate / 1200.0
        N = rem - t + 1
        Sp = S[-1]
        if N <= 1:
            a = 1.0
        elif age + t <= io:
            a = 0.0
        else:
            if recast or pmt_unit is None or age + t == io + 1:
                pmt_unit = Sp * i / (1.0 - (1.0 + i) ** (-N)) if i > 0 else Sp / N
            a = (pmt_unit - Sp * i) / Sp if Sp > 0 else 1.0
        S.append(Sp * (1.0 - a))
        # SF 2.2, month t
        newdef = P * mdr[t - 1]
        actam = (P - newdef) * a
        vbase = P if smm_base == 'sf' else P - newdef
        volpp = min(vbase * (1.0 - a) * smm[t - 1], P - newdef - actam)
        Pn = P - newdef - actam - volpp
        nd_hist.append(newdef)
        # liquidation of the cohort that defaulted `lag` months ago (if still in the pipeline)
        adb, nd_lag = 0.0, 0.0
        if t - lag >= 1:
            nd_lag = nd_hist[t - lag - 1]
            if advancing:
                s_prev, s_base = S[t - 1], S[t - 1 - lag]
                adb = nd_lag * s_prev / s_base if s_base > 0 else 0.0
            else:
                adb = nd_lag
        x = newdef + F - adb
        amdef = x * a if advancing else 0.0
        Fn = max(x - amdef, 0.0)
        loss = min(nd_lag * severity, adb)
        base = P + F if advancing else P - newdef
        interest = base * rate / 1200.0
        for k, v in (('rate', rate), ('begin', P), ('sched', actam), ('prepaid', volpp), ('newdef', newdef),
                     ('adb', adb), ('amdef', amdef), ('loss', loss), ('recov', adb - loss), ('fcl', Fn), ('end', Pn),
                     ('interest', interest), ('base', base), ('svc', base * loan['servicing_fee'] / 1200.0),
                     ('lpmi', base * loan['lpmi_rate'] / 1200.0)):
            out[k].append(v)
        P, F = Pn, Fn
    return out


def reference_project(pool, paths, cpr_by_group, cdr, severity=0.0, lag=0, advancing=True, n=360, smm_base='sf'):
    """Group totals per period from `reference_loan`: dict group -> DataFrame (same column names as the engine)."""
    smm = {g: 1.0 - (1.0 - np.asarray(c, float) / 100.0) ** (1 / 12) for g, c in cpr_by_group.items()}
    mdr = 1.0 - (1.0 - np.broadcast_to(np.asarray(cdr, float), (n,)) / 100.0) ** (1 / 12)
    res = {}
    for g in sorted(pool['group'].unique()):
        acc = None
        for loan in pool[pool['group'] == g].to_dict('records'):
            o = reference_loan(loan, paths, smm[g], mdr, severity, lag, advancing, n, smm_base)
            arr = {k: np.array(v) for k, v in o.items()}
            acc = arr if acc is None else {k: acc[k] + arr[k] for k in acc}
        per = np.arange(1, n + 1)
        df = pd.DataFrame({
            'begin_balance': acc['begin'], 'scheduled_principal': acc['sched'], 'prepaid_principal': acc['prepaid'],
            'defaulted_balance': acc['newdef'], 'advanced_principal': acc['amdef'], 'liquidated_balance': acc['adb'],
            'loss': acc['loss'], 'recovery': acc['recov'], 'interest': acc['interest'], 'servicing_fee': acc['svc'],
            'lpmi_fee': acc['lpmi'], 'end_balance': acc['end'], 'foreclosure_balance': acc['fcl'],
            'interest_balance': acc['base']}, index=pd.Index(per, name='period'))
        df['master_fee'] = df.interest_balance * FEES['master'] / 1200
        df['trustee_fee'] = df.interest_balance * FEES['trustee'] / 1200
        df['surety_carveout'] = np.where(per >= FEES['surety_from'], df.interest_balance * FEES['surety'] / 1200, 0.0)
        df['net_interest'] = df.interest - df.servicing_fee - df.master_fee - df.trustee_fee - df.lpmi_fee
        res[g] = df
    return res


# ---------------------------------------------------------------------------------------------------------------
# Synthetic pool with the seed's product mix (Description tables: count and balance per product; WA terms from the
# summary pages). Only for tests and the benchmark while the reconstructed tape is absent.
PRODUCTS = {  # product: (group, count, balance, index, fixed_period, reset_freq, io_term, initial_cap, periodic_cap)
    '3/1 CMT1Y': (1, 16, 7_112_929, 'CMT1Y', 36, 12, 0, 2.0, 2.0),
    '5/1 CMT1Y': (1, 25, 5_129_525, 'CMT1Y', 60, 12, 0, 5.0, 2.0),
    '7/1 CMT1Y': (1, 8, 1_318_663, 'CMT1Y', 84, 12, 0, 5.0, 2.0),
    '30Y LIB6M': (1, 382, 96_535_078, 'LIB6M', 6, 6, 0, 1.0, 1.0),
    '30Y LIB6M-IO 5Y': (1, 403, 116_131_015, 'LIB6M', 6, 6, 60, 1.0, 1.0),
    '2/28 LIB6M': (1, 269, 57_060_793, 'LIB6M', 24, 6, 0, 3.0, 1.0),
    '2/28 LIB6M-IO 5Y': (1, 41, 10_233_050, 'LIB6M', 24, 6, 60, 3.0, 1.0),
    '3/27 LIB6M': (1, 28, 8_051_697, 'LIB6M', 36, 6, 0, 3.0, 1.0),
    '3/27 LIB6M-IO 5Y': (1, 12, 3_671_150, 'LIB6M', 36, 6, 60, 3.0, 1.0),
    '5/25 LIB6M': (1, 58, 19_855_632, 'LIB6M', 60, 6, 0, 5.0, 1.0),
    '5/25 LIB6M-IO 5Y': (1, 31, 9_766_470, 'LIB6M', 60, 6, 60, 5.0, 1.0),
    'G2 30Y LIB6M': (2, 1, 599_245, 'LIB6M', 6, 6, 0, 1.0, 1.0),
    'G2 3/27 LIB6M': (2, 4, 3_329_420, 'LIB6M', 36, 6, 0, 5.0, 1.0),
    'G2 5/25 LIB6M': (2, 15, 11_205_698, 'LIB6M', 60, 6, 0, 5.0, 1.0),
}


def synthetic_pool(seed=0):
    """1,293 loans (1,273 + 20) with the seed's product counts and balances, random but deterministic terms."""
    rng = np.random.default_rng(seed)
    rows = []
    for prod, (g, cnt, bal, ix, fp, fq, io, icap, pcap) in PRODUCTS.items():
        w = rng.lognormal(0.0, 0.5, cnt)
        bals = np.round(bal * w / w.sum(), 2)
        bals[-1] = round(bal - bals[:-1].sum(), 2)
        for k in range(cnt):
            age = int(rng.integers(0, 4)) if g == 1 else int(rng.integers(1, 3))
            if fp == 6:
                age = int(rng.integers(0, 16)) if g == 1 else 1
                mtr = (fp - age) % fq or fq
            else:
                mtr = fp - age
            coupon = float(np.clip(np.round(rng.normal(5.85 if g == 1 else 5.9, 0.7) * 8) / 8, 2.75, 10.375))
            margin = float(np.round(rng.uniform(2.25, 3.5) * 8) / 8)
            rows.append(dict(
                loan_id=f'{"S" if g == 1 else "M"}{len(rows) + 1:05d}', group=g, current_balance=float(bals[k]),
                original_balance=float(bals[k]), coupon=coupon, margin=margin, index=ix, product=prod.replace('G2 ', ''),
                fixed_period=fp, reset_freq=fq, initial_cap=icap, periodic_cap=pcap, lifetime_cap=coupon + 6.0,
                lifetime_floor=margin if g == 1 else coupon, io_term=io, original_term=360, remaining_term=360 - age,
                age=age, next_adjustment_date=_add_months(CUTOFF, mtr), servicing_fee=0.375 if g == 1 else 0.25,
                lpmi_rate=0.9 if (g == 1 and rng.random() < 0.069) else 0.0))
    return pd.DataFrame(rows)
