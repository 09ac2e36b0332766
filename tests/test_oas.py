"Monte Carlo OAS (chapter 13): the acceptance of issue 15 measured through the public entry point `materials.oas_table`."
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from impac_research import materials, oas, rates
from impac_research.deal import InputError

CLASSES = ('1-A-1', '1-B-1', '2-A-1')


@pytest.fixture(scope='module')
def table_1000():
    return materials.oas_table(paths=1000, seed=2003)


def test_no_volatility_gives_the_forward_dm():
    for prepay in oas.PREPAY_MODELS:                      # the rate-responsive speeds are the pricing speed on the forward curve
        t = materials.oas_table(paths=2, sigma=1e-8, prepay=prepay)
        assert list(t.index) == list(CLASSES) and list(t.columns) == list(oas.OAS_COLUMNS)
        np.testing.assert_allclose(t['oas'], t['dm_forward'], atol=0.5)
        for b in CLASSES:
            dm = materials.dm_table(b, 'call', speeds=(100,), curve='forward', rounded=False).loc['DM', 100]
            assert t.loc[b, 'dm_forward'] == pytest.approx(dm, abs=1e-9)


def test_to_maturity_no_volatility_gives_the_forward_dm():
    t = materials.oas_table(paths=2, sigma=1e-8, horizon='maturity', bonds=('1-B-1',))
    assert abs(t.loc['1-B-1', 'oas'] - t.loc['1-B-1', 'dm_forward']) < 0.5


@pytest.mark.parametrize('horizon', ['call', 'maturity'])
def test_no_volatility_with_defaults_gives_the_forward_dm_of_the_same_losses(horizon):
    loss = dict(cdr=5.0, severity=0.35, lag=4)
    t = materials.oas_table(paths=2, sigma=1e-8, horizon=horizon, **loss)
    np.testing.assert_allclose(t['oas'], t['dm_forward'], atol=0.5)
    for b in CLASSES:
        dm = materials.dm_table(b, horizon, speeds=(100,), curve='forward', rounded=False, **loss).loc['DM', 100]
        assert t.loc[b, 'dm_forward'] == pytest.approx(dm, abs=1e-9)
    no_loss = materials.oas_table(paths=2, sigma=1e-8, horizon=horizon, bonds=('1-B-1',))
    assert t.loc['1-B-1', 'dm_forward'] != pytest.approx(no_loss.loc['1-B-1', 'dm_forward'], abs=0.01)   # the losses reach the class


def test_1000_paths_stderr_cap_value(table_1000):
    t = table_1000
    assert t.loc['1-A-1', 'oas_stderr'] < 1.0
    assert (t['oas_stderr'] > 0).all()
    assert (t['cap_value'] >= 0).all()                     # the cap never adds value to the holder
    assert (t.loc[['1-A-1', '1-B-1'], 'cap_value'] > 0).all()
    # the 2-A-1's basis-risk carryforward is paid from Group 2's excess cash in the period it arises on every path:
    # its cap costs nothing (chapter 13, 'What the cap costs')
    assert t.loc['2-A-1', 'cap_value'] == pytest.approx(0.0, abs=1e-9)
    # floaters at par: effective duration near the time to the next reset, not years
    assert (t['eff_duration'].abs() < 0.5).all()
    np.testing.assert_allclose(t['option_cost'], t['dm_forward'] - t['oas'], atol=1e-9)


def test_seed_reproduces_and_changes(table_1000):
    again = materials.oas_table(paths=1000, seed=2003)
    pd.testing.assert_frame_equal(again, table_1000)
    other = materials.oas_table(paths=1000, seed=2004)
    assert not np.allclose(other['oas'], table_1000['oas'], atol=1e-6, rtol=0)


def test_local_cluster_gives_the_same_table(table_1000):
    distributed = pytest.importorskip('distributed')
    with materials.grid_cluster(2) as cluster, distributed.Client(cluster) as client:
        remote = materials.oas_table(paths=1000, seed=2003, scheduler=client)
    pd.testing.assert_frame_equal(remote, table_1000)


def test_bad_inputs_named():
    for kw, field in ((dict(paths=999), 'paths'), (dict(paths=0), 'paths'), (dict(seed=-1), 'seed'),
                      (dict(bonds=('1-A-2',)), 'bonds'), (dict(horizon='worst'), 'horizon'), (dict(prepay='psa'), 'prepay'),
                      (dict(sigma=-0.01), 'sigma'), (dict(sigma='implied'), 'sigma'), (dict(mean_reversion=0.0), 'mean_reversion'),
                      (dict(prices={'1-B-1': 1000}), 'prices'), (dict(cdr=101), 'cdr'), (dict(severity=-0.1), 'severity'),
                      (dict(lag=-1), 'lag'), (dict(lag=2.5), 'lag')):
        with pytest.raises(InputError, match=field): materials.oas_table(**{'paths': 2, **kw})


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31), pairs=st.integers(1, 50), sigma=st.floats(1e-4, 0.03))
def test_factor_paths_are_antithetic_and_start_at_zero_mean(seed, pairs, sigma):
    m = oas.hull_white(rates.build_curves(), sigma=sigma)
    x = oas.factor_paths(2 * pairs, seed, m, [0.25, 1.0, 5.0])
    np.testing.assert_array_equal(x[:pairs], -x[pairs:])
    np.testing.assert_array_equal(x, oas.factor_paths(2 * pairs, seed, m, [0.25, 1.0, 5.0]))
    assert np.all(np.isfinite(x))


def test_moves_vanish_without_volatility():
    C = rates.build_curves()
    m = oas.hull_white(C, sigma=1e-10)
    dates = oas.bond_fixing_dates(24)
    moves = oas.rate_moves(m, np.zeros((2, 24)), dates)
    for ix, mv in moves.items(): np.testing.assert_allclose(mv, 0.0, atol=1e-8, err_msg=ix)
    up = oas.rate_moves(oas.hull_white(C), np.full((1, 24), 0.01), dates)
    for ix, mv in up.items(): assert ((mv > 0.9) & (mv < 1.1)).all(), ix        # a factor of +1% lifts every rate by about 1%
