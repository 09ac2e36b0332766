"""Granular tapes (issue 13, item 7): the sample pool with every loan split into `parts` loans (`tape.split_tape`).

What must be identical, and why:
- pool totals: each group's balance in whole cents (the parts of a loan sum exactly to its balance in cents), and
  loans x parts;
- every stratification table bucketed by a loan attribute other than balance: dollars and percentages identical (the
  strats sum whole cents as integers), loan counts x parts; the two balance-bucket tables change by construction
  (the same dollars in smaller loans);
- the pool summary's balance-weighted rows (WA rate, margin, caps, terms, LTV, FICO, DTI, penalty shares) and the
  min/max of every attribute but balance: identical once rounded as printed (the weights of a loan's parts sum to its
  weight, so only the floating-point summation order differs);
- the rep lines: identical terms up to that summation order, balances to the cent, loan_count x parts; therefore the
  projection (default collateral model `rep_lines`) and every materials table computed from it (DM tables, term sheet,
  available rate schedules, breakevens) identical as printed, and within 1e-6 unrounded;
- loan by loan (`collateral='loans'`): every loan's cash flows are linear in its balance (rates, amortization,
  prepayment and default fractions do not depend on it), so the collateral cash flows of the split pool equal the
  pool's up to summation order (relative 1e-9).
The 40-part tape (51,720 loans) runs the same comparison (slow) and the report end to end (`impac-materials --tape`).
"""
import os, subprocess, sys, time
from pathlib import Path
import numpy as np, pandas as pd, pytest

from impac_research import cashflows, materials as M, reports, strats
from impac_research import tape as T
from impac_research.pool import sample_pool

BONDS = ('1-A-1', '1-B-1', '2-A-1')
BALANCE_TABLES = ('Range of Current Balance', 'Original Principal Balances')
SIZE_ROWS = ('Total Number of Loans', 'Average Loan Balance')


def cents(x) -> np.ndarray: return np.round(np.asarray(x, float) * 100).astype(np.int64)


def check_split(parts:int):
    "The split tape against the pool: totals, strats, summary, rep lines and every materials table."
    sp = sample_pool(); s = T.split_tape(sp, parts)
    # totals
    assert len(s) == parts * len(sp) and s.loan_id.is_unique
    for g in (1, 2):
        assert cents(s.current_balance[s.group == g]).sum() == cents(sp.current_balance[sp.group == g]).sum()
        assert cents(s.original_balance[s.group == g]).sum() == cents(sp.original_balance[sp.group == g]).sum()
    parent = s.loan_id.str.rsplit('-', n=1).str[0]
    assert (s.groupby(parent, sort=False).current_balance.apply(lambda b: cents(b).sum()).loc[sp.loan_id].to_numpy()
            == cents(sp.current_balance)).all()                                      # each loan to the cent
    # strats and summary
    for g in (1, 2):
        a, b = M.collateral_tables(g), M.collateral_tables(g, pool=s)
        assert list(a) == list(b)
        for title in a:
            if title in BALANCE_TABLES:
                assert b[title].iloc[:, 0].sum() == parts * a[title].iloc[:, 0].sum()     # dollars: each row rounded as printed
                assert abs(b[title].iloc[:, 1].sum() - a[title].iloc[:, 1].sum()) <= 0.5 * (len(a[title]) + len(b[title])); continue
            pd.testing.assert_frame_equal(b[title].iloc[:, 1:], a[title].iloc[:, 1:], obj=f'{g} {title}')
            assert (b[title].iloc[:, 0] == parts * a[title].iloc[:, 0]).all(), title
        sa, sb = M.collateral_summary(g), M.collateral_summary(g, pool=s)
        assert sb.loc['Total Number of Loans', 'value'] == parts * sa.loc['Total Number of Loans', 'value']
        assert abs(sb.loc['Average Loan Balance', 'value'] - sa.loc['Average Loan Balance', 'value'] / parts) <= 1
        keep = [r for r in sa.index if r not in SIZE_ROWS]
        pd.testing.assert_series_equal(sb.loc[keep, 'value'], sa.loc[keep, 'value'], obj=f'group {g} summary')
        mm = [r for r in keep if r != 'Total Outstanding Balance']
        pd.testing.assert_frame_equal(sb.loc[mm, ['min', 'max']], sa.loc[mm, ['min', 'max']], obj=f'group {g} min/max')
    # rep lines
    ra, rb = cashflows.rep_lines(sp), cashflows.rep_lines(s)
    assert (rb.loan_count == parts * ra.loan_count).all() and (cents(rb.current_balance) == cents(ra.current_balance)).all()
    num = [c for c in ra.columns if c not in ('loan_id', 'index', 'product', 'next_adjustment_date', 'loan_count', 'current_balance')]
    np.testing.assert_allclose(rb[num].to_numpy(float), ra[num].to_numpy(float), rtol=1e-12, atol=1e-12)
    assert (rb.next_adjustment_date == ra.next_adjustment_date).all()
    # every materials table: identical as printed, and unrounded within 1e-6
    for bond in BONDS:
        for h in M.HORIZONS:
            pd.testing.assert_frame_equal(M.dm_table(bond, h, pool=s), M.dm_table(bond, h), obj=f'dm {bond} {h}')
            ua, ub = M.dm_table(bond, h, rounded=False), M.dm_table(bond, h, rounded=False, pool=s)
            np.testing.assert_allclose(ub.loc[['DM', 'WAL', 'MDUR']].to_numpy(float), ua.loc[['DM', 'WAL', 'MDUR']].to_numpy(float), rtol=1e-6)
    pd.testing.assert_frame_equal(M.term_sheet(pool=s), M.term_sheet())
    for g in (1, 2):
        pd.testing.assert_frame_equal(M.available_rate_schedule(g, pool=s), M.available_rate_schedule(g), check_exact=False, rtol=1e-9)
    pd.testing.assert_frame_equal(M.breakeven_table('1-B-1', pool=s), M.breakeven_table('1-B-1'))
    return s


def test_split_tape_3_same_totals_and_figures():
    "Fast variant: every loan split in 3 (3,879 loans)."
    check_split(3)


def test_split_tape_loan_by_loan_is_linear():
    "Loan by loan, the split pool's collateral cash flows equal the pool's up to summation order."
    s = T.split_tape(sample_pool(), 3)
    for g in (1, 2):
        a = M.collateral_cashflows(g, collateral='loans')
        b = M.collateral_cashflows(g, collateral='loans', pool=s)
        num = a.columns.drop('date')
        np.testing.assert_allclose(b[num].to_numpy(float), a[num].to_numpy(float), rtol=1e-9, atol=1e-6)


def test_split_tape_refuses_what_it_cannot_split():
    t = T.example_tape()
    with pytest.raises(T.InputError, match='parts'): T.split_tape(t, 0)
    with pytest.raises(T.InputError, match='parts'): T.split_tape(t, 2.5)
    t.loc[1, 'current_balance'] = 0.05
    with pytest.raises(T.InputError, match=r"row 1 \(loan_id G2-0001\), current_balance"): T.split_tape(t, 6)


def test_rep_line_balance_limit_is_per_loan():
    "A rep line is an aggregate: its balance may be loan_count x one loan's limit (a 40x tape's lines exceed $1bn)."
    sp = sample_pool()
    big = sp.loc[sp.index.repeat(40)].reset_index(drop=True)              # 40 copies of every loan: $14bn
    big['loan_id'] = big.loan_id + '-' + (big.groupby('loan_id').cumcount() + 1).astype(str)
    lines = cashflows.rep_lines(big)
    assert lines.current_balance.max() > 1e9
    cashflows.loan_arrays(lines)                                            # no longer refused
    one = lines.head(1).assign(loan_count=1)
    with pytest.raises(T.InputError, match=r'pool.current_balance: .* per loan \(x loan_count on a rep line\)'): cashflows.loan_arrays(one)
    with pytest.raises(T.InputError, match='pool.loan_count'): cashflows.loan_arrays(lines.assign(loan_count=0))


@pytest.mark.slow
def test_split_tape_40_same_totals_and_figures():
    "Every loan split in 40 (51,720 loans): the same comparison."
    t = time.perf_counter(); check_split(40)
    print(f'40-part comparison: {time.perf_counter() - t:.1f} s')


def run_report(out:Path, *args) -> subprocess.CompletedProcess:
    cmd = [sys.executable, '-c', 'import sys; from impac_research.reports import main; sys.exit(main())',
           '--out', str(out), '--no-pdf', '--no-progress-bar', *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=1200,
                          env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])))


@pytest.mark.slow
def test_split_tape_40_report_end_to_end(tmp_path):
    "The report on the 40-part tape (a CSV file) runs end to end; every table not counting loans equals the pool's report."
    sp = sample_pool(); T.write_tape(sp, tmp_path / 'pool.csv'); T.write_tape(T.split_tape(sp, 40), tmp_path / 'split40.csv')
    for name, args in (('split', ('--tape', str(tmp_path / 'split40.csv'))), ('base', ('--tape', str(tmp_path / 'pool.csv')))):
        r = run_report(tmp_path / name, *args)
        assert r.returncode == 0, r.stderr[-3000:]
    a, b = reports.check_output(tmp_path / 'base'), reports.check_output(tmp_path / 'split')
    assert sorted(a['tables']) == sorted(b['tables'])
    # the strats (and the reconciliation's rows and totals about them) count loans: check_split compares them
    same = [k for k in a['tables'] if not (k.startswith('g1_') or k.startswith('g2_') or k.startswith('reconciliation_miss')
                                             or k in ('reconciliation_summary', 'reconciliation_misses', 'ensemble_misses'))]
    assert {'dm_1_a_1_call', 'term_sheet', 'breakeven_1_b_1', 'afr_group1', 'reconciliation'} <= set(same)
    for k in same:
        x, y = (pd.read_csv(tmp_path / d / 'tables' / f'{k}.csv', index_col=0) for d in ('base', 'split'))
        if k == 'reconciliation':
            x, y = (t[~t.section.isin(['Strat tables', 'Pool summary', 'Top 5'])].reset_index(drop=True) for t in (x, y))
            assert set(x.section) >= {'DM table', 'Term sheet', 'Breakeven', 'Available rate'}
        assert x.shape == y.shape and list(x.columns) == list(y.columns), k
        for c in x.columns:
            if pd.api.types.is_numeric_dtype(x[c]) and pd.api.types.is_numeric_dtype(y[c]):
                np.testing.assert_allclose(y[c].to_numpy(float), x[c].to_numpy(float), rtol=1e-9, atol=1e-6, err_msg=f'{k}.{c}')
            else: assert x[c].fillna('').astype(str).tolist() == y[c].fillna('').astype(str).tolist(), (k, c)
