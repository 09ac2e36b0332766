"""impac_research.analytics against QuantLib's CashFlows, the CONVENTIONS fixtures, and properties (hypothesis)."""
import datetime as dt
import numpy as np
import pandas as pd
import pytest
import QuantLib as ql
from hypothesis import given, settings, strategies as st, HealthCheck

from impac_research import analytics as A
from impac_research.deal import InputError, payment_dates, load_deal

SETTLE = load_deal().dates.settlement_date
PD = payment_dates(360)
DC30 = ql.Thirty360(ql.Thirty360.BondBasis)


def qd(d): d = pd.Timestamp(d); return ql.Date(d.day, d.month, d.year)


def leg(dates, cfs): return [ql.SimpleCashFlow(float(c), qd(x)) for x, c in zip(A.as_dates(dates), cfs)]


def floater(smm, n, margin=0.40, index=1.34875, face=100.0):
    d = A.as_dates(PD[:n]); tau = np.diff(np.r_[A.as_dates(SETTLE), d]).astype(int) / 360
    bal = face * (1 - smm) ** np.arange(n); prin = bal * smm; prin[-1] = bal[-1]
    I = A._index(index, n)
    return d, bal * (I + margin) / 100 * tau + prin, prin


def ql_dm_curve(dm, dates, index, settle):
    "QuantLib ForwardCurve whose piecewise-flat forwards reproduce monthly compounding at index + DM on Act/360."
    nodes = [qd(x) for x in np.r_[A.as_dates(settle), A.as_dates(dates)]]
    ql.Settings.instance().evaluationDate = nodes[0]
    dc = ql.Actual360(); I = A._index(index, len(nodes) - 1) / 100 + dm / 1e4
    tau = np.array([dc.yearFraction(a, b) for a, b in zip(nodes[:-1], nodes[1:])])
    f = np.log1p(I * tau) / tau
    return ql.YieldTermStructureHandle(ql.ForwardCurve(nodes, [float(f[0])] + [float(x) for x in f], dc)), nodes[0]


def ql_price(dm, dates, cfs, index, settle, face=100.0):
    h, s = ql_dm_curve(dm, dates, index, settle)
    return 100.0 * ql.CashFlows.npv(leg(dates, cfs), h, False, s, s) / face


# a few cash-flow vectors: (smm, n, margin, index path)
FWD = 1.34875 + 4.5 * (1 - np.exp(-np.arange(360) / 40.0))
VECTORS = [(0.0, 121, 0.40, 1.34875), (0.0289, 48, 0.40, 1.34875), (0.06, 23, 0.40, FWD), (0.01, 360, 0.80, FWD),
           (0.03, 200, 3.00, 1.34875)]


@pytest.mark.parametrize("smm,n,margin,index", VECTORS)
def test_price_and_dm_match_quantlib(smm, n, margin, index):
    d, cf, _ = floater(smm, n, margin, index)
    for dm in (-20.0, 40.0, 137.5):
        p_ours, p_ql = A.price_from_dm(dm, d, cf, index, SETTLE), ql_price(dm, d, cf, index, SETTLE)
        assert abs(p_ours / p_ql - 1) < 1e-9
    for price in (97.5, 99.01, 100.0, 101.25):
        dm_ours = A.dm_from_price(price, d, cf, index, SETTLE)
        from scipy.optimize import brentq
        dm_ql = brentq(lambda x: ql_price(x, d, cf, index, SETTLE) - price, -500, 5000, xtol=1e-12)
        assert abs(dm_ours - dm_ql) <= 1e-6 * max(1.0, abs(dm_ql))


@pytest.mark.parametrize("smm,n,margin,index", VECTORS)
def test_sf_yield_and_duration_match_quantlib(smm, n, margin, index):
    d, cf, _ = floater(smm, n, margin, index)
    s = qd(SETTLE); ql.Settings.instance().evaluationDate = s
    for price in (99.01, 100.0, 101.0):
        y_ql = ql.CashFlows.yieldRate(leg(d, cf), price, DC30, ql.Compounded, ql.Semiannual, False, s, s, 1e-15, 1000, 0.02)
        assert abs(A.bond_yield(price, d, cf, SETTLE) / 100 / y_ql - 1) < 1e-6
        for conv, freq, dc, basis in (('sf', ql.Semiannual, DC30, '30/360'), ('sf_monthly', ql.Monthly, DC30, '30/360'),
                                      ('sf_act360', ql.Semiannual, ql.Actual360(), 'act/360')):
            f = 2 if freq == ql.Semiannual else 12
            y = A.bond_yield(price, d, cf, SETTLE, frequency=f, basis=basis) / 100
            y_ql = ql.CashFlows.yieldRate(leg(d, cf), price, dc, ql.Compounded, freq, False, s, s, 1e-15, 1000, 0.02)
            assert abs(y / y_ql - 1) < 1e-6
            md_ql = ql.CashFlows.duration(leg(d, cf), y, dc, ql.Compounded, freq, ql.Duration.Modified, False, s, s)
            assert abs(A.mod_duration(d, cf, SETTLE, price, conv) / md_ql - 1) < 1e-6


@pytest.mark.parametrize("smm,n,margin,index", VECTORS)
def test_dm_duration_matches_quantlib_finite_difference(smm, n, margin, index):
    d, cf, _ = floater(smm, n, margin, index)
    price = 99.5
    dm = A.dm_from_price(price, d, cf, index, SETTLE)
    h = 1e-3
    fd = -(ql_price(dm + h, d, cf, index, SETTLE) - ql_price(dm - h, d, cf, index, SETTLE)) / (2 * h * 1e-4) / price
    assert abs(A.mod_duration(d, cf, SETTLE, price, 'dm', index) / fd - 1) < 1e-6


def test_wal_times_match_quantlib_30360():
    d = A.as_dates(PD[:360])
    t = A.year_fractions(SETTLE, d, '30/360')
    t_ql = np.array([DC30.yearFraction(qd(SETTLE), qd(x)) for x in d])
    np.testing.assert_allclose(t, t_ql, rtol=0, atol=1e-14)


def test_sf_frcmo_fixture():
    d, cf, s = [dt.date(1990, 9, 6), dt.date(1991, 3, 6)], [55.3012, 52.6938], dt.date(1990, 3, 22)
    assert abs(A.dm_from_price(100.2589, d, cf, 10.1875, s, basis='30/360') - 62.05) < 0.005
    assert abs(A.dm_from_price(100.2589, d, cf, 10.1875, s, basis='act/360') - 56.89) < 0.01


def test_gnma_duration_fixture():
    n, psa, wac, net = 360, 150.0, 9.5, 9.0
    k = np.arange(1, n + 1); smm = 1 - (1 - np.minimum(0.06, 0.002 * k) * psa / 100) ** (1 / 12)
    b, cf, pr, r = 100.0, np.empty(n), np.empty(n), wac / 1200
    for i in range(n):
        sched = b * r / (1 - (1 + r) ** -(n - i)) - b * r; pre = (b - sched) * smm[i]
        pr[i] = sched + pre; cf[i] = b * net / 1200 + pr[i]; b -= pr[i]
    dates = [dt.date(1999 + (2 + j) // 12, (2 + j) % 12 + 1, 15) for j in range(n)]
    s = dt.date(1999, 2, 1)
    assert abs(A.bond_yield(100, dates, cf, s) - 9.10675) < 5e-6
    assert abs(A.wal(dates, pr, s) - 9.77844) < 5e-6
    assert abs(A.mod_duration(dates, cf, s, 100, 'sf') - 5.48186) < 5e-6


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(smm=st.floats(0, 0.2), n=st.integers(1, 360), margin=st.floats(0.0, 5.0), libor=st.floats(0.1, 12.0))
def test_ts_dsl_flat_par_gives_dm_equal_margin(smm, n, margin, libor):
    d, cf, _ = floater(smm, n, margin, libor)
    assert abs(A.dm_from_price(100.0, d, cf, libor, SETTLE) - 100 * margin) < 1e-6


@settings(max_examples=40, deadline=None)
@given(smm=st.floats(0, 0.1), n=st.integers(2, 360), dm=st.floats(-300, 1500))
def test_round_trip_and_monotone(smm, n, dm):
    d, cf, _ = floater(smm, n, 0.40, FWD)
    p = A.price_from_dm(dm, d, cf, FWD, SETTLE)
    assert abs(A.dm_from_price(p, d, cf, FWD, SETTLE) - dm) < 1e-6
    assert A.price_from_dm(dm + 1, d, cf, FWD, SETTLE) < p


@settings(max_examples=60, deadline=None)
@given(be=st.floats(0.05, 99.0), tol=st.sampled_from([0.1, 0.01, 0.001]))
def test_breakeven_brackets_a_known_threshold(be, tol):
    calls = []
    def w(c):
        calls.append(c)
        return (max(0.0, c - be) * 1e6, c)
    r = A.breakeven_cdr(w, tol=tol)
    assert r.cdr <= be < r.cdr_loss and r.cdr_loss - r.cdr <= tol + 1e-12
    assert r.run == r.cdr and r.run_loss == r.cdr_loss
    assert r.evaluations == len(set(calls)) <= len(A.DEFAULT_CDR_GRID) + 20


def test_breakeven_reports_smallest_crossing():
    w = lambda c: 1.0 if (7.5 <= c <= 8.5) or c >= 30 else 0.0
    r = A.breakeven_cdr(w)
    assert 7.49 <= r.cdr < 7.5


def test_dm_table_from_flows_shape_and_errors():
    def df(smm, n):
        d, cf, pr = floater(smm, n, face=19_255_000.0)
        return pd.DataFrame({'date': d, 'begin_balance': 19_255_000.0 * (1 - smm) ** np.arange(n), 'principal': pr,
                             'interest': cf - pr, 'coupon': 1.74875})
    t = A.dm_table_from_flows({180: df(0.06, 23), 0: df(0.001, 121)}, price={0: 99.01, 180: 99.01}, index_path=1.34875)
    assert list(t.index) == list(A.TABLE_ROWS) and list(t.columns) == [0, 180]
    assert t.loc['DM', 0] > 40 and t.loc['DM', 180] > t.loc['DM', 0]   # discount bought back faster at 180%
    assert t.loc['First Prin Pay', 0] == '2/03' and t.loc['Last Prin Pay', 0] == '2/13'
    with pytest.raises(InputError, match='begin_balance'):
        A.dm_table_from_flows({0: df(0.0, 12).drop(columns='begin_balance')})
    with pytest.raises(InputError, match='price'):
        A.dm_table_from_flows({0: df(0.0, 12)}, price=-1.0, index_path=1.3)


def test_flat_fixing_matches_rates_spot():
    rates = pytest.importorskip('impac_research.rates')
    assert abs(rates.build_curves().spot('LIB1M') - A.analytics_assumption('libor_1m_fixing')) < 1e-12


SEED_1A1 = {  # visible Class 1-A-1 table: (DM, WAL, MDUR, last principal) per speed 0/80/100/150/180
    'call': ([40] * 5, [9.41, 2.70, 2.11, 1.29, 1.00], [8.69, 2.62, 2.06, 1.28, 0.99]),
    'maturity': ([58, 48, 48, 48, 48], [18.71, 3.41, 2.67, 1.62, 1.26], [15.51, 3.25, 2.57, 1.59, 1.24])}


@pytest.mark.parametrize("horizon", ["call", "maturity"])
def test_waterfall_flows_table_and_duration_bracket(horizon):
    """Stylised level-pay collateral through the real waterfall: the table builds from `run_deal` output, DM = margin to
    call on the flat path, DM to maturity within 1 bp of the seed at 80-180%, the seed's MDUR/WAL lies between the
    'sf_monthly' and 'dm' conventions and 'sf_act360' (the shipped convention) is the closest to it."""
    W = pytest.importorskip('impac_research.waterfall')
    from impac_research.deal import pricing_cpr
    if not hasattr(W, 'level_pay_collateral'): pytest.skip('waterfall.level_pay_collateral not available')
    L = A.dm_index_path('flat', 360); speeds = (0, 80, 100, 150, 180)
    flows = {}
    for sp in speeds:
        coll = {g: W.level_pay_collateral(g, gross=5.8, net=5.35, cpr=pricing_cpr(g, 360, sp)) for g in (1, 2)}
        flows[sp] = W.run_deal(coll, L, call=(horizon == 'call')).bonds['1-A-1']
    t = {c: A.dm_table_from_flows(flows, 100.0, index_path=L, duration=c) for c in ('sf', 'sf_monthly', 'sf_act360', 'dm')}
    dm_seed, wal_seed, md_seed = SEED_1A1[horizon]
    dm = np.array(list(t['dm'].loc['DM']), float)
    if horizon == 'call': np.testing.assert_allclose(dm, 40.0, atol=1e-6)
    else: np.testing.assert_allclose(dm[1:], 48.0, atol=1.0)
    wal = np.array(list(t['dm'].loc['WAL']), float)
    r = {c: np.array(list(t[c].loc['MDUR']), float) / wal for c in t}
    seed = np.array(md_seed) / np.array(wal_seed)
    assert (r['sf'] < r['sf_monthly']).all() and (r['sf_monthly'] < r['dm']).all()
    assert (r['sf_monthly'] < seed + 0.003).all() and (seed < r['dm'] + 0.003).all()
    err = {c: float(np.abs(r[c] - seed).mean()) for c in r}
    assert min(err, key=err.get) == 'sf_act360' == A.analytics_assumption('duration_convention'), err
    assert all(t['dm'].loc['First Prin Pay'] == '2/03')


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(S=st.integers(1, 6), n=st.integers(1, 48), tail=st.integers(0, 12), p_zero=st.sampled_from([0.0, 0.2, 0.6]),
       path=st.sampled_from(['flat', 'one', 'each']), conv=st.sampled_from(A.DURATION_CONVENTIONS), seed=st.integers(0, 2**32 - 1))
def test_batch_equals_bond_measures_one_by_one(S, n, tail, p_zero, path, conv, seed):
    """Random positive cash flows (zeros inside the run and trailing zero periods included), random prices 80-110:
    `bond_measures_batch` gives what `bond_measures` gives scenario by scenario, refusals included."""
    rng = np.random.default_rng(seed)
    N = n + tail; d = A.as_dates(PD[:N])
    cash = rng.uniform(0.0, 10.0, (S, N)) * (rng.uniform(size=(S, N)) >= p_zero); cash[:, n:] = 0.0
    prin = cash * rng.uniform(0.0, 1.0, (S, N))
    face = cash.sum(1) + rng.uniform(0.5, 2.0, S)
    price = rng.uniform(80.0, 110.0, S)
    idx = {'flat': 1.34875, 'one': 1.34875 + rng.uniform(0, 6, N), 'each': rng.uniform(0.5, 8.0, (S, N))}[path]
    bm = A.bond_measures_batch(d, cash, prin, price, idx, face=face, duration=conv, errors='mask')
    for k in range(S):
        flows = pd.DataFrame({'date': d, 'interest': cash[k] - prin[k], 'principal': prin[k], 'begin_balance': face[k]})
        ik = idx if np.ndim(idx) < 2 else idx[k]
        try: ref = A.bond_measures(flows, float(price[k]), SETTLE, ik, conv)
        except InputError as e:
            assert not bm.ok[k] and bm.problem[k] == str(e).replace('flows: ', 'cash: ')
            continue
        assert bm.ok[k], bm.problem[k]
        assert abs(bm.dm[k] - ref['DM']) <= 1e-6
        assert abs(bm.wal[k] - ref['WAL']) <= 1e-10 and abs(bm.mdur[k] - ref['MDUR']) <= 1e-10
        assert (A.fmt_months(d, bm.first_prin_pay[k]), A.fmt_months(d, bm.last_prin_pay[k])) == (ref['First Prin Pay'], ref['Last Prin Pay'])


@settings(max_examples=60, deadline=None)
@given(be=st.floats(0.0, 100.0), tol=st.sampled_from([0.1, 0.01, 0.001]), depth=st.integers(1, 6), kind=st.integers(0, 2))
def test_breakeven_batches_equal_the_scalar_search(be, tol, depth, kind):
    f = [lambda c: max(0.0, c - be) * 1e6, lambda c: 1e4 if be <= c <= be + 0.5 or c >= 90 else 0.0,
         lambda c: 0.004 if c < be else 2.0][kind]
    s = A.breakeven_cdr(f, tol=tol)
    b = A.breakeven_cdr(batch_fn=lambda cs: np.array([f(c) for c in cs]), tol=tol, batch_depth=depth)
    assert (b.cdr, b.cdr_loss, b.status, b.writedown) == (s.cdr, s.cdr_loss, s.status, s.writedown)
    assert b.calls <= 1 + -(-int(np.ceil(np.log2(100 / tol))) // depth) + 1
