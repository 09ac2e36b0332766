"Published figures: every stored table adds up, and the stored files equal a fresh parse of the seed (when present)."
import tempfile
from pathlib import Path
import numpy as np, pandas as pd, pytest
from impac_research import published as P
from impac_research.deal import InputError, load_deal

SEED = Path(__file__).resolve().parents[2] / 'shared' / 'seed' / P.SEED_NAME
STORE = Path(P.__file__).parent / 'data' / 'published'

@pytest.mark.parametrize('group', [1, 2])
def test_tables_sum_to_printed_totals(group):
    tot, bal = P.strat_totals(group), P.group_balance(group)
    tables = P.strat_tables(group)
    assert len(tables) == 19 and list(tables) == list(tot.index)
    assert bal == load_deal().groups[group].cutoff_balance
    for title, df in tables.items():
        n = len(df)
        assert df['Number of Loans'].sum() == tot.loc[title, 'count'] == load_deal().groups[group].loan_count, title
        assert abs(df['Principal Balance'].sum() - bal) <= n, title
        assert abs(df['% of Aggregate Principal Balance'].sum() - 100) <= 0.005 * n + 1e-9, title
        assert (df['Number of Loans'] > 0).all() and df.index.is_unique, title
        # each row's percent is its balance over the cut-off balance, rounded to 2 decimals
        np.testing.assert_allclose(df['% of Aggregate Principal Balance'], 100 * df['Principal Balance'] / bal, atol=0.0051)
    P.check_tables(group)

def test_split_tables_and_inline_header():
    g1 = P.strat_tables(1)
    assert len(g1['Current Gross Coupon']) == 16 and len(g1['Next Interest Adjustment Date']) == 36
    assert len(g1['Lifetime Rate Cap']) == 17 and len(g1['State']) == 40
    assert g1['Range of Months to Roll'].index.tolist()[:2] == ['6 or Less', '7 - 12']

def test_summary_top5_dm_afr():
    s = P.pool_summary(1)
    assert s.loc['Net WAC'].tolist() == [5.357, 2.339, 9.964]
    assert s.loc['WA DTI%', ['min', 'max']].isna().all()
    assert P.top5(1)['Doc Types'].index.tolist() == ['REDUCE', 'FULL', 'NO RATIO', 'NISA', 'NINA']
    dm = P.dm_table('1-A-1', 'maturity')
    assert dm.dm.tolist() == [58, 48, 48, 48, 48] and dm.last_prin_pay.tolist() == ['11/32', '7/20', '1/17', '9/11', '10/09']
    assert P.dm_table('2-A-1', 'call').notna().all().all()
    assert P.first_loss_table().notna().all().all() and P.available_rate_schedule(2).notna().all().all()
    a = P.available_rate_schedule(1)
    assert a.index.tolist() == list(range(1, 49)) and a.notna().all().all()
    assert a.forward_plus_2000bp.loc[24] == 12.24
    with pytest.raises(InputError, match='group'): P.pool_summary(0)

@pytest.mark.skipif(not SEED.exists(), reason='seed document not on this machine')
def test_stored_files_equal_fresh_parse():
    with tempfile.TemporaryDirectory() as d:
        written = P.build_published(SEED, d)
        # every stored file but the blind record (written once from commit ee75638, not a parse of the seed)
        assert sorted(written) == sorted(p.name for p in STORE.iterdir() if p.is_file() and p.name != 'blind_predictions.csv')
        for name in written: assert (Path(d) / name).read_bytes() == (STORE / name).read_bytes(), name
