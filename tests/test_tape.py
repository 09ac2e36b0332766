"Loan tape: format, one-error validation, read/write round trip."
import os, tempfile
from pathlib import Path
import numpy as np, pandas as pd, pytest
from hypothesis import given, settings, strategies as st
from impac_research.tape import (TAPE_COLUMNS, TapeError, example_tape, read_tape, validate_tape, write_tape,
                                 months_to_roll, net_rate, tape_spec)
from impac_research.deal import InputError

CONTRACT = ('loan_id group current_balance original_balance coupon margin index product fixed_period reset_freq '
            'initial_cap periodic_cap lifetime_cap lifetime_floor io_term original_term remaining_term age origination_date '
            'first_payment_date next_adjustment_date ltv fico dti state property_type purpose occupancy documentation '
            'prepay_term prepay_type lien servicing_fee lpmi_rate').split()

def test_columns_match_contract():
    assert list(TAPE_COLUMNS) == CONTRACT
    assert tape_spec().notna().all().all()

def test_acceptance_one_error_lists_everything_and_nothing_written(tmp_path):
    t = example_tape()
    t.to_csv(tmp_path / 'good.csv', index=False)
    lines = (tmp_path / 'good.csv').read_text().splitlines()
    df = pd.read_csv(tmp_path / 'good.csv', dtype=str, keep_default_na=False)
    df.loc[0, 'current_balance'] = '-5000'
    df.loc[1, 'coupon'] = '45'
    df.loc[1, 'state'] = 'ZZ'
    df.loc[0, 'fico'] = 'abc'
    df = df.drop(columns='margin')
    df.to_csv(tmp_path / 'bad.csv', index=False)
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(InputError) as ei: read_tape(tmp_path / 'bad.csv')
    msg = str(ei.value)
    for needle in ["column 'current_balance': '-5000'", "column 'coupon': '45'", "column 'margin': missing column",
                   "column 'state': 'ZZ'", "column 'fico': 'abc'"]:
        assert needle in msg, (needle, msg)
    assert len(ei.value.problems) == 5 and msg.count('\n') == 5
    with pytest.raises(InputError): write_tape(df, tmp_path / 'out.csv')
    assert sorted(os.listdir(tmp_path)) == before

def test_blank_required_and_nullable_dti():
    t = example_tape(); t.loc[0, 'dti'] = np.nan
    assert np.isnan(validate_tape(t).dti.iloc[0])
    t.loc[1, 'fico'] = np.nan
    with pytest.raises(TapeError, match="row 1 .*'fico'"): validate_tape(t)

def test_int_column_rejects_fraction_and_date_rejects_garbage():
    t = example_tape().astype(object); t.loc[0, 'fico'] = 700.5; t.loc[1, 'origination_date'] = 'yesterday'
    with pytest.raises(TapeError) as ei: validate_tape(t)
    assert set(ei.value.problems.column) == {'fico', 'origination_date'}

@settings(max_examples=40, deadline=None)
@given(coupon=st.floats(-100, 100), bal=st.floats(-1e7, 2e7), fico=st.integers(0, 1000))
def test_range_checks_property(coupon, bal, fico):
    t = example_tape(); t.loc[0, 'coupon'] = coupon; t.loc[0, 'current_balance'] = bal; t.loc[0, 'original_balance'] = max(bal, 1.0)
    t.loc[0, 'fico'] = fico; t.loc[0, 'lifetime_floor'] = 0.0; t.loc[0, 'lifetime_cap'] = 25.0
    ok = 0.5 <= coupon <= 20 and 0.01 <= bal <= 1e7 and 300 <= fico <= 850
    if ok: validate_tape(t)
    else:
        with pytest.raises(TapeError) as ei: validate_tape(t)
        assert set(ei.value.problems.column) <= {'coupon', 'current_balance', 'fico', 'original_balance'}

def test_round_trip_parquet_csv_and_derived(tmp_path):
    for ext in ('csv', 'parquet'):
        back = read_tape(write_tape(example_tape(), tmp_path / f't.{ext}'))
        assert back.loan_id.tolist() == ['G1-0001', 'G2-0001']
    v = validate_tape(example_tape())
    assert months_to_roll(v).tolist() == [23, 59]
    assert np.allclose(net_rate(v), [5.0893, 5.2143])
