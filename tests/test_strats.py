"Stratification engine: round trip from every printed table, invariants on random pools, summary and comparison."
import numpy as np, pandas as pd, pytest
from hypothesis import given, settings, strategies as st, HealthCheck
from impac_research import published as P, strats as S
from impac_research.tape import example_tape, validate_tape, USPS_STATES
from impac_research.deal import InputError, load_deal

@pytest.mark.parametrize('group', [1, 2])
def test_round_trip_every_printed_table(group):
    "Acceptance: a tape built from a printed table's buckets stratifies back to the same counts and balances."
    for title, pub in P.strat_tables(group).items():
        tp = S.tape_from_table(title, group)
        assert len(tp) == pub['Number of Loans'].sum()
        back = S.collateral_tables(tp, group)[title]
        pd.testing.assert_frame_equal(back.iloc[:, :2], pub.iloc[:, :2], obj=f'{group} {title}')
        assert back.index.dtype == pub.index.dtype and list(back.columns) == list(pub.columns)
        assert (back.iloc[:, 2] - pub.iloc[:, 2]).abs().max() <= 0.0101
        if title == 'State':
            cmp = S.compare_to_published(tp, group, pct_tol=0.0101, summary=False)
            assert cmp.query('table == @title').empty, cmp.query('table == @title')

def _pool(draw_n, rng):
    base = validate_tape(example_tape())
    t = base.iloc[rng.integers(0, 2, draw_n)].reset_index(drop=True)
    t['loan_id'] = [f'L{i:04d}' for i in range(draw_n)]
    t['current_balance'] = np.round(rng.uniform(1_000, 2_000_000, draw_n), 2)
    t['original_balance'] = t['current_balance'] + np.round(rng.uniform(0, 5_000, draw_n), 2)
    t['coupon'] = np.round(rng.uniform(1, 12, draw_n), 3)
    t['lifetime_cap'] = t['coupon'] + rng.choice([5.0, 6.0, 7.5], draw_n)
    t['lifetime_floor'] = np.minimum(t['coupon'], np.round(rng.uniform(0, 9, draw_n), 3))
    t['margin'] = np.round(rng.uniform(1, 7, draw_n), 3)
    t['fico'] = rng.integers(450, 851, draw_n)
    t['ltv'] = np.round(rng.uniform(10, 100, draw_n), 2)
    t['state'] = rng.choice(sorted(USPS_STATES), draw_n)
    t['remaining_term'] = rng.integers(300, 361, draw_n); t['age'] = 360 - t['remaining_term']
    t['next_adjustment_date'] = pd.to_datetime([f'{2003 + m // 12}-{m % 12 + 1:02d}-01' for m in rng.integers(1, 90, draw_n)])
    t['initial_cap'] = rng.choice([1.0, 1.5, 3.0, 5.0], draw_n)
    return validate_tape(t)

@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 150), seed=st.integers(0, 2**31 - 1))
def test_invariants_random_pools(n, seed):
    rng = np.random.default_rng(seed)
    pool = _pool(n, rng)
    for g in (1, 2):
        sub = pool[pool.group == g]
        if sub.empty:
            with pytest.raises(InputError): S.collateral_tables(pool, g)
            continue
        tabs = S.collateral_tables(pool, g)
        shuffled = S.collateral_tables(pool.sample(frac=1, random_state=seed % 1000), g)
        W = sub.current_balance.sum()
        for title, df in tabs.items():
            assert df['Number of Loans'].sum() == len(sub), title
            assert abs(df['Principal Balance'].sum() - W) <= 0.5 * len(df) + 0.5, title
            assert abs(df['% of Aggregate Principal Balance'].sum() - 100) <= 0.005 * len(df) + 1e-9, title
            assert df.index.is_unique and (df['Number of Loans'] > 0).all()
            pd.testing.assert_frame_equal(df, shuffled[title])
            labs = S.bucket_labels(pool, title, g, validate=False)
            assert set(labs) == set(df.index) and labs.value_counts()[df.index].tolist() == df['Number of Loans'].tolist()
        fico = tabs['Collateral Grouped by FICO'].index
        assert [int(l.split(' - ')[0]) for l in fico] == sorted((int(l.split(' - ')[0]) for l in fico), reverse=True)
        st_ = tabs['State'].index.tolist()
        assert st_ == sorted(st_, key=USPS_STATES.get)
        s = S.collateral_summary(pool, g, rounded=False)
        w = sub.current_balance.to_numpy()
        assert np.isclose(s.loc['WA Mortgage Rate', 'value'], np.average(sub.coupon, weights=w))
        assert s.loc['WA Mortgage Rate', 'min'] == sub.coupon.min() and s.loc['WA FICO', 'max'] != s.loc['WA FICO', 'max']
        assert np.isclose(s.loc[['Soft', 'Hard', 'UNK', 'No Prepay'], 'value'].sum(), 100)

def test_summary_net_wac_and_top5_by_hand():
    t = validate_tape(example_tape())
    s = S.collateral_summary(t, 1)
    f = load_deal().fees
    assert s.loc['Net WAC', 'value'] == round(5.5 - 0.375 - f.master_servicing - f.trustee, 3)
    assert s.loc['Total Outstanding Balance', 'value'] == 249774.0 and s.loc['Average Loan Balance', 'min'] == 249774.0
    pd.testing.assert_index_equal(s.index, P.pool_summary(1).index)
    top = S.collateral_top5(t, 2)
    assert top['Top 5 Prop'].index.tolist() == ['MULTI'] and top['Occ Codes'].index.tolist() == ['INV HM']

def test_compare_reports_a_changed_loan_readably():
    tp = S.tape_from_table('State', 2)
    assert S.compare_to_published(tp, 2, pct_tol=0.0101, summary=False).query('table == "State"').empty
    tp.loc[tp.state == 'WA', 'state'] = 'OR'            # move the one Washington loan to Oregon
    cmp = S.compare_to_published(tp, 2, pct_tol=0.0101, summary=False).query('table == "State"')
    assert set(map(tuple, cmp[['label', 'column']].values)) >= {('WA', 'row'), ('OR', 'Number of Loans'), ('OR', 'Principal Balance')}
    row = cmp.set_index(['label', 'column']).loc[('OR', 'Number of Loans')]
    assert (row.computed, row.published) == (3.0, 2.0)
