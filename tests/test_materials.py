"""Cross-module tests of the public materials API (impac_research.materials) and of the whole chain
pool -> rates -> cashflows -> waterfall -> analytics.

* a hypothesis property test of the deal ledger over 500 random scenarios (marked slow with the breakeven tests; CI runs
  them) (speeds, CDRs, severities, lags, index
  shocks, call on/off, trigger on/off, delinquency): sources == uses per period and group to the cent, no negative
  balance, losses allocated == losses realised, principal + writedowns (+ any balance left at the call) == each class's
  original balance;
* the documented shapes / columns / index of every public entry point;
* bad inputs raise `InputError` naming the field;
* byte-identical determinism (two cold computations, `to_csv` equal).

Runs on the reconstructed sample pool when it is in the package, else on the stand-in tape of
`tests/materials_standin.py` (same product mix).
"""
import sys
from pathlib import Path
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

sys.path.insert(0, str(Path(__file__).resolve().parent))
from materials_standin import use_standin, real_pool_available  # noqa: E402
from impac_research import materials as M, cashflows, waterfall, rates, published  # noqa: E402
from impac_research.deal import InputError, load_deal  # noqa: E402

D = load_deal()
SPEEDS = (0, 80, 100, 150, 180)


@pytest.fixture(scope='module', autouse=True)
def _pool():
    "Stand-in collateral only while the real sample pool is missing; restored afterwards."
    orig = M._default_pool
    use_standin(M)
    yield M.get_pool()
    M._default_pool = orig
    M._run.cache_clear()


# ---------------------------------------------------------------------------------------------------------------
# the ledger property test
_ENGINES = {}


def _engine(shock_bp, rep_lines=False):
    """Engine and bond LIBOR for one index shock (cached: the loan rate matrix depends only on the path): loan by loan,
    or on the shipped collateral model's lines (one per product, index + margin unrounded)."""
    if (shock_bp, rep_lines) not in _ENGINES:
        sc = rates.RateScenario(curve='forward', shock_bp=float(shock_bp), shock_from_period=1)
        paths = rates.index_paths(M.curves(), sc, n=360)
        eng = (cashflows.Engine(cashflows.rep_lines(M.get_pool()), paths, 360, rounding='none') if rep_lines
               else cashflows.Engine(M.get_pool(), paths, 360))
        _ENGINES[(shock_bp, rep_lines)] = (eng, rates.bond_libor(M.curves(), sc, n=360))
    return _ENGINES[(shock_bp, rep_lines)]


CENT = 0.01


def _check_deal(coll, res, call):
    n = len(coll[1])
    last = res.call_period or n
    for g in (1, 2):
        c = {k: coll[g][k].to_numpy(float) for k in ('begin_balance', 'scheduled_principal', 'prepaid_principal',
                                                       'defaulted_balance', 'end_balance', 'foreclosure_balance', 'loss',
                                                       'recovery', 'liquidated_balance')}
        # collateral: rolls, no negative balance, every dollar of the starting balance leaves exactly once
        assert c['end_balance'].min() >= -0.005 and c['foreclosure_balance'].min() >= -0.005
        gap = c['begin_balance'] - c['scheduled_principal'] - c['prepaid_principal'] - c['defaulted_balance'] - c['end_balance']
        assert np.abs(gap).max() <= 0.005
        out = c['scheduled_principal'].sum() + c['prepaid_principal'].sum() + c['defaulted_balance'].sum() + c['end_balance'][-1]
        assert abs(out - c['begin_balance'][0]) <= CENT
        assert abs((c['loss'] + c['recovery'] - c['liquidated_balance']).sum()) <= CENT
        # the ledger: sources == uses, per period, to the cent (recomputed from the step columns)
        lg = res.ledger[g]
        src = lg[[k for k in lg.columns if k.startswith('src_')]].to_numpy(float)
        use = lg[[k for k in lg.columns if k.startswith('use_')]].to_numpy(float)
        assert np.abs(src.sum(1) - use.sum(1)).max() <= CENT, f"group {g}: sources != uses"
        assert np.isfinite(src).all() and np.isfinite(use).all()
        assert src.min() >= -0.005 and use.min() >= -0.005, f"group {g}: negative ledger step"
        # losses: allocated == realised, and realised == the collateral's losses over the run
        lo = res.losses[g]
        alloc = lo[['own_excess', 'other_excess', 'oc', 'writedown', 'insurer']].to_numpy(float).sum()
        realised = lo['realised'].to_numpy(float)
        assert abs(realised.sum() - alloc) <= CENT
        assert abs(realised[:last].sum() - c['loss'][:last].sum()) <= CENT
    wd = {b: res.bonds[b]['writedown'].to_numpy(float) for b in D.classes}
    assert abs(res.losses[1]['writedown'].to_numpy(float).sum() - wd['1-B-1'].sum()) <= CENT
    assert wd['1-A-1'].sum() == 0 and wd['2-A-1'].sum() == 0
    for b, bc in D.classes.items():
        f = res.bonds[b]
        end, beg = f['end_balance'].to_numpy(float), f['begin_balance'].to_numpy(float)
        prin, intr = f['principal'].to_numpy(float), f['interest'].to_numpy(float)
        assert end.min() >= -0.005 and beg.min() >= -0.005, f"{b}: negative balance"
        assert prin.min() >= -0.005 and wd[b].min() >= -0.005 and intr.min() >= -0.005
        final = float(end[last - 1])
        assert abs(prin.sum() + wd[b].sum() + final - bc.balance) <= CENT, f"{b}: principal + writedowns"
        if not call:   # run to maturity: nothing is left outstanding
            assert final <= CENT, f"{b}: {final:.2f} outstanding at maturity"
            assert abs(prin.sum() + wd[b].sum() - bc.balance) <= CENT


@pytest.mark.slow
@settings(max_examples=500, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(speed=st.floats(0, 300), cdr=st.floats(0, 30), severity=st.floats(0, 1), lag=st.integers(0, 12),
       shock=st.sampled_from(tuple(range(-100, 501, 25))), call=st.booleans(), trigger=st.booleans(),
       delinquency=st.sampled_from((0.0, 0.05, 0.25)), rep=st.booleans())
def test_ledger_property(speed, cdr, severity, lag, shock, call, trigger, delinquency, rep):
    E, lib = _engine(shock, rep)
    coll = dict(E.project(speed=speed, cdr=cdr, severity=severity, lag=lag))
    res = waterfall.run_deal(coll, lib, call=call, trigger=trigger, delinquency=delinquency)
    _check_deal(coll, res, call)


def test_ledger_check_can_fail():
    "The property's checks are not vacuous: a cent moved in the ledger, or a dollar of principal, is caught."
    E, lib = _engine(0)
    coll = dict(E.project(speed=100, cdr=3, severity=0.3))
    res = waterfall.run_deal(coll, lib, call=False)
    _check_deal(coll, res, False)
    res.ledger[1].loc[5, 'use_certificates'] += 0.02
    with pytest.raises(AssertionError, match='sources != uses'): _check_deal(coll, res, False)
    res = waterfall.run_deal(coll, lib, call=False)
    res.bonds['1-A-1'].loc[7, 'principal'] -= 1.0
    with pytest.raises(AssertionError, match='principal'): _check_deal(coll, res, False)


def test_ledger_extremes():
    "Corners the random draw rarely hits exactly: no prepayment and total loss; very fast prepayment, no defaults."
    for kw in (dict(speed=0, cdr=30, severity=1.0, lag=0), dict(speed=300, cdr=0, severity=0, lag=0),
               dict(speed=100, cdr=30, severity=1.0, lag=12)):
        for call, rl in ((True, False), (False, False), (False, True)):
            E, lib = _engine(500, rl)
            coll = dict(E.project(**kw))
            _check_deal(coll, waterfall.run_deal(coll, lib, call=call, trigger=True), call)


def test_materials_run_matches_engine():
    "materials.run (the cached public path) and the engine path used above give the same deal, under both collateral models."
    E, lib = _engine(100)
    _, res = M.run(150, 5, 0.4, 3, shock_bp=100, horizon='maturity', collateral='loans')
    r2 = waterfall.run_deal(dict(E.project(speed=150, cdr=5, severity=0.4, lag=3)), lib, call=False)
    for b in D.classes:
        pd.testing.assert_frame_equal(res.bonds[b], r2.bonds[b], check_exact=False, rtol=0, atol=1e-6)
    # the default (assumption cashflows.collateral_model): one line per product, reset to index + margin unrounded
    _, res = M.run(150, 5, 0.4, 3, shock_bp=100, horizon='maturity')
    Er, _ = _engine(100, True)
    r3 = waterfall.run_deal(dict(Er.project(speed=150, cdr=5, severity=0.4, lag=3)), lib, call=False)
    for b in D.classes:
        pd.testing.assert_frame_equal(res.bonds[b], r3.bonds[b], check_exact=False, rtol=0, atol=1e-6)
    assert not np.allclose(res.bonds['1-A-1'].principal, r2.bonds['1-A-1'].principal)   # the two readings differ


# ---------------------------------------------------------------------------------------------------------------
# shapes of the public entry points
def test_dm_table_shape():
    t = M.dm_table('1-A-1', 'call')
    assert list(t.index) == ['DM', 'WAL', 'MDUR', 'First Prin Pay', 'Last Prin Pay']
    assert list(t.columns) == list(SPEEDS)
    assert all(isinstance(v, str) and v.count('/') == 1 for v in t.loc[['First Prin Pay', 'Last Prin Pay']].to_numpy().ravel())
    assert np.isfinite(t.loc[['DM', 'WAL', 'MDUR']].to_numpy(float)).all()
    m = M.dm_table('1-B-1', 'maturity', speeds=(100, 150))
    assert list(m.columns) == [100, 150]
    # slower prepayments -> longer WAL, to call and to maturity
    assert (np.diff(t.loc['WAL'].to_numpy(float)) < 0).all()
    assert (M.dm_table('1-A-1', 'maturity').loc['WAL'].to_numpy(float) >= t.loc['WAL'].to_numpy(float)).all()


@pytest.mark.parametrize('bond', ['1-A-1', '1-B-1', '2-A-1'])
def test_dm_counts_every_payment_to_the_holder(bond):
    # the holder's cash adds non-negative basis-risk and reimbursement payments to interest + principal: the DM can only
    # rise, and it is unchanged exactly where no such payment is made; WAL and the windows never depend on it
    for h in M.HORIZONS:
        full = M.dm_table(bond, h, rounded=False)
        bare = M.dm_table(bond, h, rounded=False, cash_columns=('interest', 'principal'))
        assert full.loc[['WAL', 'First Prin Pay', 'Last Prin Pay']].equals(bare.loc[['WAL', 'First Prin Pay', 'Last Prin Pay']])
        for sp in SPEEDS:
            b = M.bond_cashflows(bond, speed=sp, horizon=h, curve=M._dm_curve(None))   # the DM tables' path
            extra = float((b['basis_risk_paid'] + b['writedown_reimbursed']).sum())
            assert extra >= 0
            d_full, d_bare = float(full.loc['DM', sp]), float(bare.loc['DM', sp])
            if extra == 0: assert d_full == d_bare, (bond, h, sp)
            else: assert d_full > d_bare, (bond, h, sp, extra)


def test_available_rate_schedule_shape():
    a = M.available_rate_schedule(1)
    assert a.shape == (48, 2) and list(a.columns) == ['forward', 'forward_plus_2000bp']
    assert list(a.index) == list(range(1, 49))
    assert np.isfinite(a.to_numpy()).all()
    assert M.available_rate_schedule(2, periods=12).shape == (12, 2)


@pytest.fixture(scope='module')
def breakeven():
    "One cold breakeven table (the most expensive table), shared by the shape and the determinism tests."
    M._run.cache_clear()
    return M.breakeven_table()


@pytest.mark.skipif(not real_pool_available(), reason='needs the reconstructed sample pool')
def test_breakeven_cum_loss_reproduces_the_published_pairs():
    """At the printed CDRs the collateral alone fixes the loss: both groups over the aggregate cut-off balance give the four
    printed cumulative losses; Group 1 over its own cut-off balance falls short of each."""
    fl = published.first_loss_table()
    shock = {'Forward': 0.0, 'Forward Plus 150bps': 150.0}
    for r in fl.itertuples():
        coll, res = M.run(100, r.cdr, 0.30, 0, 'forward', shock[r.curve], 1, r.horizon)
        last = res.call_period or 360
        assert round(M.breakeven_cum_loss(coll, last, 1, 'deal'), 2) == r.cumulative_loss
        assert M.breakeven_cum_loss(coll, last, 1, 'group') < r.cumulative_loss - 0.05
    with pytest.raises(InputError, match='cum_loss_basis'):
        M.breakeven_cum_loss(coll, 360, 1, 'pool')


@pytest.mark.slow
def test_breakeven_table_shape(breakeven):
    b = breakeven
    assert isinstance(b.index, pd.MultiIndex) and list(b.index.names) == ['horizon', 'curve']
    assert list(b.index) == [('call', 'forward'), ('call', 'forward+150bp'), ('maturity', 'forward'), ('maturity', 'forward+150bp')]
    assert list(b.columns) == ['cdr', 'cum_loss', 'period']
    assert (b['cdr'] > 0).all() and (b['cum_loss'] > 0).all()
    assert (b.loc['maturity', 'cdr'].to_numpy() <= b.loc['call', 'cdr'].to_numpy() + 0.01).all()


def test_cashflow_frames():
    c = M.collateral_cashflows(1)
    for k in ('date', 'begin_balance', 'scheduled_principal', 'prepaid_principal', 'defaulted_balance', 'loss', 'recovery',
              'interest', 'net_interest', 'end_balance', 'wac', 'net_wac'):
        assert k in c.columns, k
    assert list(c.index) == list(range(1, 361))
    b = M.bond_cashflows('2-A-1', speed=80, horizon='maturity')
    for k in ('date', 'begin_balance', 'coupon', 'interest', 'principal', 'writedown', 'end_balance', 'interest_shortfall',
              'basis_risk_shortfall'):
        assert k in b.columns, k
    assert abs(b['principal'].sum() - D.classes['2-A-1'].balance) <= CENT


def test_term_sheet_and_collateral_pages():
    ts = M.term_sheet()
    assert list(ts.index) == ['1-A-1', '1-B-1', '2-A-1']
    for g in (1, 2):
        assert list(M.collateral_tables(g)) == list(published.strat_tables(g))
        assert list(M.collateral_summary(g).index) == list(published.pool_summary(g).index)
        assert list(M.collateral_summary(g).columns) == ['value', 'min', 'max']


def test_reconcile_summary():
    from impac_research import reconcile as R
    s = R.summary()
    assert list(s.index) == list(R.SECTIONS) + ['all']
    assert int(s.loc['DM table', 'figures']) == 150 and int(s.loc['Available rate', 'figures']) == 192
    assert int(s.loc['Breakeven', 'figures']) == 12 and int(s.loc['Term sheet', 'figures']) == 21
    # every published bond figure is reconciled: the published tables' own sizes
    assert int(s.loc['DM table', 'figures']) == 5 * sum(len(published.dm_table(b, h)) for b in R.BONDS for h in ('call', 'maturity'))
    assert int(s.loc['Breakeven', 'figures']) == 3 * len(published.first_loss_table())


# ---------------------------------------------------------------------------------------------------------------
# another reading of the waterfall, through the materials: the same as the engine run with the same overrides
READINGS = [{'cross_support': c, 'insurer_premium_priority': p, 'surety_carveout_cash': k}
            for c in ('target', 'current_loss', 'until_retire', 'none') for p in ('senior', 'subordinate') for k in ('retained', 'paid')]


@pytest.mark.parametrize('reading', READINGS, ids=['-'.join(r.values()) for r in READINGS])
def test_materials_reading_is_the_engine_reading(reading):
    coll, res = M.run(100, 8, 0.3, 0, 'forward', 150, 1, 'maturity', assumptions=reading)
    libor = rates.bond_libor(M.curves(), M.index_scenario('forward', 150), n=360)
    direct = waterfall.run_deal(dict(coll), libor, call=False, assumptions=reading)
    for b in ('1-A-1', '1-B-1', '2-A-1'):
        for col in ('interest', 'principal', 'writedown', 'writedown_reimbursed', 'end_balance'):
            np.testing.assert_allclose(res.bonds[b][col].to_numpy(), direct.bonds[b][col].to_numpy(), atol=1e-6)
    again = M.bond_cashflows('1-B-1', 100, 'maturity', 8, 0.3, 0, 'forward', 150, assumptions=dict(reading))
    np.testing.assert_allclose(again.writedown.to_numpy(), res.bonds['1-B-1'].writedown.to_numpy(), atol=1e-9)


def test_materials_reading_reaches_the_schedule_and_the_breakeven():
    zero = {'insurer_premium_rate': 0.0}
    direct = waterfall.available_rate_schedule(1, 48, assumptions=zero, inputs=M.schedule_inputs())
    pd.testing.assert_frame_equal(M.available_rate_schedule(1, assumptions=zero), direct)
    assert (M.available_rate_schedule(1, assumptions=zero).forward > M.available_rate_schedule(1).forward + 0.1).all()
    # the premium's cash competes with losses (paid before step 1): without it the 1-B-1 takes more defaults
    assert (M.breakeven_table(assumptions=zero).cdr > M.breakeven_table().cdr).all()


# ---------------------------------------------------------------------------------------------------------------
# bad inputs name the field
BAD = [
    ('speed', lambda: M.run(speed=-1)), ('cdr', lambda: M.run(cdr=101)), ('severity', lambda: M.run(severity=1.5)),
    ('lag', lambda: M.run(lag=-1)), ('lag', lambda: M.run(lag=1.5)), ('curve', lambda: M.run(curve='spot')),
    ('shock_bp', lambda: M.run(shock_bp=float('nan'))), ('horizon', lambda: M.run(horizon='forever')),
    ('bond', lambda: M.dm_table('1-C-1')), ('horizon', lambda: M.dm_table('1-A-1', 'never')),
    ('speeds', lambda: M.dm_table('1-A-1', speeds=())), ('price', lambda: M.dm_table('1-A-1', price=0)),
    ('group', lambda: M.available_rate_schedule(3)), ('periods', lambda: M.available_rate_schedule(1, periods=0)),
    ('periods', lambda: M.available_rate_schedule(1, periods=2.5)), ('group', lambda: M.collateral_tables(0)),
    ('group', lambda: M.collateral_summary('1')), ('group', lambda: M.collateral_cashflows(5)),
    ('bond', lambda: M.bond_cashflows('X')), ('bond', lambda: M.breakeven_table('2-B-1')),
    ('pool', lambda: M.get_pool(42)),
    ('assumptions', lambda: M.run(assumptions=[('cross_support', 'none')])),
    ('cross_suport', lambda: M.dm_table('1-A-1', assumptions={'cross_suport': 'none'})),
    ('cross_support', lambda: M.breakeven_table(assumptions={'cross_support': 'sideways'})),
    ('insurer_premium_priority', lambda: M.available_rate_schedule(1, assumptions={'insurer_premium_priority': 'last'})),
]


@pytest.mark.parametrize('field,call', BAD, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD)])
def test_bad_input_names_field(field, call):
    with pytest.raises(InputError, match=field):
        call()


# ---------------------------------------------------------------------------------------------------------------
# determinism: two cold computations, byte for byte
def _cold(fn):
    M._run.cache_clear()
    return fn().to_csv()


@pytest.mark.parametrize('name,fn', [
    ('dm_table', lambda: M.dm_table('1-B-1', 'maturity')),
    ('available_rate_schedule', lambda: M.available_rate_schedule(1)),
    ('bond_cashflows', lambda: M.bond_cashflows('1-B-1', speed=120, cdr=4, severity=0.35, lag=6, horizon='maturity')),
    ('collateral_tables', lambda: pd.concat(M.collateral_tables(1))),
])
def test_deterministic(name, fn):
    assert _cold(fn) == _cold(fn)


@pytest.mark.slow
def test_breakeven_deterministic(breakeven):
    assert _cold(M.breakeven_table) == breakeven.to_csv()
