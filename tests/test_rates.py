"""Rate model: market snapshot, curve bootstrap, forwards, scenarios and index paths."""
import datetime as dt
from importlib import resources
from pathlib import Path
import numpy as np
import pandas as pd
import pytest
import QuantLib as ql
from hypothesis import given, settings, strategies as st

from impac_research import rates
from impac_research.deal import InputError, to_ql

ASOF = dt.date(2003, 1, 24)
C = rates.build_curves()                            # the shipped (dealer) curve: market + assumption rates.forward_spread
MKT = rates.build_curves(forward_spread=())           # the market curve
SHARED = Path(__file__).resolve().parents[2] / 'shared' / 'market'   # ../shared/market, beside the checkout


def test_snapshot_quotes_on_pricing_date():
    s = rates.market_snapshot(ASOF).set_index('series')
    assert (s.date == ASOF).all()
    assert s.loc['USD1MTD156N', 'value'] == 1.34875 and s.loc['USD12MD156N', 'value'] == 1.43
    assert s.loc['DSWP2', 'value'] == 1.95 and s.loc['DGS1', 'value'] == 1.31


REALISED_SERIES = ('USD1MTD156N', 'USD6MTD156N', 'USD12MD156N', 'DGS1')
VOL_HISTORY_SERIES = ('USD1MTD156N', 'DSWP2', 'DSWP3', 'DSWP5', 'DSWP7', 'DSWP10')   # from 2001: the OAS chapter's volatility window


@pytest.mark.skipif(not SHARED.is_dir(), reason='shared market data not on this machine')
def test_shipped_files_are_verbatim_subsets_of_shared_market_data():
    mdir = resources.files('impac_research') / 'data' / 'market'
    files = sorted(p.name for p in Path(str(mdir)).glob('*.csv'))
    assert len(files) == 30
    for f in files:
        ours = (Path(str(mdir)) / f).read_text().splitlines()
        src = (SHARED / f).read_text().splitlines()
        assert ours[0] == src[0]
        last = '2010-12-31' if f[:-4] in REALISED_SERIES else '2003-12-31'   # the index series: the realised path
        first = '2001-01-01' if f[:-4] in VOL_HISTORY_SERIES else '2002-01-01'
        keep = [l for l in src[1:] if first <= l[:10] <= last]
        assert ours[1:] == keep, f


def test_bootstrap_reprices_every_quote():
    snap = rates.market_snapshot(ASOF)
    with rates._evaluation_date(to_ql(ASOF)):
        _reprice(snap)


def _reprice(snap):
    for interp in ('monotone_convex', 'loglinear_discount'):
        _, helpers = rates._libor_curve(snap, to_ql(ASOF), interp)
        np.testing.assert_allclose([h.impliedQuote() * 100 for h in helpers], snap[snap.kind != 'cmt'].value,
                                   atol=1e-8)
        lib, _ = rates._libor_curve(snap, to_ql(ASOF), interp)
        t, th = rates._treasury_curve(snap, to_ql(ASOF), interp)
        cm = snap[snap.kind == 'cmt']
        np.testing.assert_allclose([h.bond().cleanPrice() for h in th if isinstance(h, ql.FixedRateBondHelper)], 100.0,
                                   atol=1e-7)
        np.testing.assert_allclose([rates._par_yield(t, to_ql(ASOF), ql.Period(x)) for x in cm.tenor], cm.value, atol=1e-8)
        # the shipped CMT curve (LIBOR par less the observed spread) reprices the CMTs 1M..10Y it is built on
        tl, _ = rates._treasury_curve(snap, to_ql(ASOF), interp, rates._cmt_quotes(snap, to_ql(ASOF), 'libor_spread', lib))
        np.testing.assert_allclose([rates._par_yield(tl, to_ql(ASOF), ql.Period(x)) for x in cm.tenor[:-1]],
                                   cm.value[:-1], atol=1e-8)


def test_forward_on_curve_date_is_the_fixing_and_history_before_it():
    for ix, q in (('LIB1M', 1.34875), ('LIB6M', 1.35), ('LIB1Y', 1.43), ('LIB12M', 1.43)):
        assert abs(MKT.forward(ix, ASOF)[0] - q) < 1e-9
    assert abs(MKT.forward('CMT1Y', ASOF)[0] - 1.31) < 0.01
    assert abs(C.forward('CMT1Y', ASOF)[0] - 1.31) < 0.01
    assert C.forward('LIB6M', dt.date(2002, 12, 18))[0] == rates._series('USD6MTD156N')[dt.date(2002, 12, 18)]


def test_forward_agrees_with_quantlib_ibor_forecast():
    h = ql.YieldTermStructureHandle(C.libor)
    for tenor, ix in ((1, 'LIB1M'), (6, 'LIB6M'), (12, 'LIB1Y')):
        qi = ql.IborIndex('x', ql.Period(tenor, ql.Months), 2, ql.USDCurrency(), rates.CAL, ql.ModifiedFollowing,
                          True, ql.Actual360(), h)
        for d in (ql.Date(3, 3, 2003), ql.Date(1, 6, 2007), ql.Date(2, 12, 2015)):
            d = rates.CAL.adjust(d, ql.Preceding)
            with rates._evaluation_date(to_ql(ASOF)):
                ref = qi.fixing(d) * 100
            got = C.forward(ix, dt.date(d.year(), d.month(), d.dayOfMonth()))[0]
            assert abs(ref - got) < 1e-10


def test_forward_curve_is_upward_sloping_and_smooth():
    p = rates.index_paths(C)
    assert p['LIB1M'][36] > 3.0 and p['LIB1M'][120] > 5.0
    assert np.abs(np.diff(p['LIB1M'][:120])).max() < 0.3        # no saw-tooth from the interpolation


def test_curve_ignores_and_restores_the_global_evaluation_date():
    f0 = C.forward('LIB6M', dt.date(2006, 3, 1))[0]
    old = ql.Settings.instance().evaluationDate
    try:
        ql.Settings.instance().evaluationDate = ql.Date(3, 3, 2009)
        assert C.forward('LIB6M', dt.date(2006, 3, 1))[0] == f0
        assert ql.Settings.instance().evaluationDate == ql.Date(3, 3, 2009)
    finally:
        ql.Settings.instance().evaluationDate = old


def test_curves_are_cached_and_options_validated():
    assert rates.build_curves() is C
    assert rates.build_curves(interpolation='loglinear_discount') is not C
    with pytest.raises(InputError, match='interpolation'):
        rates.build_curves(interpolation='spline')
    with pytest.raises(InputError, match='cmt_method'):
        rates.build_curves(cmt_method='x')
    with pytest.raises(InputError, match='outside the shipped history'):
        rates.market_snapshot(dt.date(2005, 1, 3))
    with pytest.raises(InputError, match='index'):
        C.forward('PRIME', ASOF)


def test_cmt_methods_agree_at_spot_and_differ_later():
    lb = rates.build_curves(cmt_method='libor_basis', forward_spread=())
    d = [dt.date(2003, 2, 3), dt.date(2005, 1, 3)]
    a, b = MKT.forward('CMT1Y', d), lb.forward('CMT1Y', d)
    assert abs(a[0] - b[0]) < 0.03 and abs(a[1] - b[1]) > 0.1


def test_cmt_forward_stays_below_12m_libor_within_the_rule_band():
    assert C.cmt_method == 'libor_spread'
    d = [rates.add_months(dt.date(2003, 2, 1), k) for k in range(359)]
    s = C.forward('LIB1Y', d) - C.forward('CMT1Y', d)
    assert s.min() >= -0.05 and s.max() <= 0.80
    tr = rates.build_curves(cmt_method='treasury')       # the plain bootstrap of the ten CMTs: the 2015-2022 artifact
    assert (C.forward('LIB1Y', d) - tr.forward('CMT1Y', d)).min() < -0.9


def test_dealer_forward_spread_is_the_named_assumption_and_moves_each_bucket():
    from impac_research.deal import assumptions
    sp = assumptions()['rates']['forward_spread']['value']
    assert C.forward_spread == tuple(float(x) for x in sp) and len(sp) == 8
    assert max(abs(x) for x in sp) <= 40                                   # the plausibility bound of the adoption rule
    assert rates.build_curves(dt.date(2002, 11, 8)).forward_spread == ()   # other curve dates: the market curve
    mid = [rates.add_months(ASOF, 6 * i + 2) for i in range(len(sp) + 2)]
    d1 = (C.forward('LIB1M', mid) - MKT.forward('LIB1M', mid)) * 100
    np.testing.assert_allclose(d1[:len(sp)], np.array(sp) * 360 / 365, atol=0.5)   # a 1M forward inside a bucket: its spread
    np.testing.assert_allclose(d1[len(sp):], 0.0, atol=1e-9)                        # nothing after 48 months
    d6 = (C.forward('LIB6M', mid) - MKT.forward('LIB6M', mid)) * 100
    assert np.abs(d6).max() <= max(abs(x) for x in sp) + 1e-6                        # 6M: an average of the spreads
    dc = (C.forward('CMT1Y', mid) - MKT.forward('CMT1Y', mid)) * 100
    assert np.abs(dc).max() < 5                                                      # the CMT stays with its quotes
    with pytest.raises(InputError, match='forward_spread'):
        rates.build_curves(forward_spread=[float('nan')])
    with pytest.raises(InputError, match='forward_spread'):
        rates.build_curves(forward_spread=[900.0])


def test_first_fixing_is_the_market_curves_on_the_dealer_curve():
    "rates.first_fixing: the first Interest Accrual Period's LIBOR is set before the closing, so no dealer spread moves it."
    from impac_research.deal import assumptions
    assert assumptions()['rates']['first_fixing']['value'] == 'market'
    assert C.spread_start == rates.first_fixing_end(ASOF) == dt.date(2003, 2, 28)
    b, m = rates.bond_libor(C, n=3), rates.bond_libor(MKT, n=3)
    assert abs(b[0] - m[0]) < 1e-12 and abs(b[0] - 1.34875) < 0.01             # period 1 (fixing 28 January): the deposits
    assert abs((b[2] - m[2]) * 100 - C.forward_spread[0] * 360 / 365) < 0.3     # period 3: the first bucket's spread
    opt = rates.build_curves(first_fixing='spread')                             # the option: spread from the pricing date
    assert abs((rates.bond_libor(opt, n=1)[0] - m[0]) * 100 - C.forward_spread[0] * 360 / 365) < 0.3
    with pytest.raises(InputError, match='first_fixing'):
        rates.build_curves(first_fixing='futures')


def test_scenarios():
    P = rates.index_paths(C)
    S = rates.index_paths(C, rates.RateScenario(shock_bp=2000, shock_from_period=2))
    assert S['LIB6M'][0] == P['LIB6M'][0]
    np.testing.assert_allclose(S['LIB6M'][1:] - P['LIB6M'][1:], 20.0, atol=1e-12)
    F = rates.index_paths(C, rates.RateScenario('flat'), n=24)
    assert (F['LIB6M'] == 1.35).all() and (F['CMT1Y'] == 1.31).all()
    V = rates.index_paths(C, rates.RateScenario('vector', vector=[2.0, 3.0]), n=4)
    assert V['LIB1M'].tolist() == [2, 3, 3, 3]
    for bad, msg in ((dict(curve='x'), 'curve'), (dict(shock_bp=np.inf), 'shock_bp'),
                     (dict(shock_from_period=1.5), 'shock_from_period'), (dict(curve='vector'), 'vector'),
                     (dict(curve='vector', vector=[np.nan]), 'vector')):
        with pytest.raises(InputError, match=msg):
            rates.RateScenario(**bad)


@settings(max_examples=200, deadline=None)
@given(shock=st.floats(-1000, 3000), k=st.integers(1, 400), curve=st.sampled_from(['forward', 'flat']))
def test_shock_property(shock, k, curve):
    base = rates.index_paths(C, rates.RateScenario(curve), n=360)
    s = rates.index_paths(C, rates.RateScenario(curve, shock_bp=shock, shock_from_period=k), n=360)
    for ix in rates.PATH_INDICES:
        d = s[ix] - base[ix]
        assert np.all(d[:k - 1] == 0)
        np.testing.assert_allclose(d[k - 1:], shock / 100, atol=1e-9)


def test_bond_libor_fixes_two_london_days_before_each_period():
    bl = rates.bond_libor(C, n=3)
    assert bl[0] == C.forward('LIB1M', dt.date(2003, 1, 28))[0]
    assert bl[1] == C.forward('LIB1M', dt.date(2003, 2, 21))[0]      # period 2 starts Tue 25 Feb -> Fri 21 Feb


def test_realised_path_is_the_published_history():
    r = rates.index_paths(C, rates.RateScenario('realised'))
    assert r['LIB1M'][0] == 1.38 and r['LIB1M'][19] == 1.50375      # fixings of 31 Dec 2002 and 30 Jul 2004 (1 Aug: Sunday)
    assert set(r['CMT1Y'][-12:]) == {0.29} and set(r['LIB1M'][-12:]) == {0.26063}   # after 2010-12-31: the last value, flat
    s = rates.index_paths(C, rates.RateScenario('realised', shock_bp=100, shock_from_period=2))
    np.testing.assert_allclose(s['LIB6M'] - r['LIB6M'], np.r_[0.0, np.full(359, 1.0)], atol=1e-12)
    assert rates.bond_libor(C, rates.RateScenario('realised'), n=20)[[0, 19]].tolist() == [1.34, 1.615]
    with pytest.raises(InputError, match='realised'):
        rates.RateScenario('history')
    with pytest.raises(InputError, match='vector'):
        rates.RateScenario('realised', vector=[1.0])
