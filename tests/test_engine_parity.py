"The batch engine against the reference scalar waterfall (tests/waterfall_reference.py): 500 random scenarios, to the cent."
import sys
from pathlib import Path
import numpy as np
import pytest
sys.path.insert(0, str(Path(__file__).parent))
import waterfall_reference as reference
from impac_research import waterfall, materials, cashflows
from impac_research.deal import InputError

CASH = ('begin_balance', 'coupon', 'interest', 'principal', 'writedown', 'end_balance', 'basis_risk_paid',
        'basis_risk_unpaid', 'insured_principal', 'writedown_reimbursed', 'call_principal', 'interest_shortfall')

def _scenarios(seed=2003, shocks=10, per_shock=50):
    "Random scenarios in the issue's ranges, grouped by shock (one loan-rate matrix per shock)."
    rng = np.random.default_rng(seed)
    for shock in np.round(rng.uniform(-300, 2000, shocks)):
        yield float(shock), dict(speed=rng.uniform(0, 300, per_shock), cdr=rng.uniform(0, 30, per_shock) * (rng.random(per_shock) < 0.8),
                                 severity=rng.uniform(0, 1, per_shock), lag=rng.integers(0, 25, per_shock),
                                 call=rng.random(per_shock) < 0.5, trigger=rng.random(per_shock) < 0.5)

def test_500_random_scenarios_equal_the_reference_to_the_cent():
    checked = 0
    for shock, sc in _scenarios():
        eng, libor = materials._engine(None, 'forward', shock, 1, materials._model_key())
        batch = eng.project_batch(speed=sc['speed'], cdr=sc['cdr'], severity=sc['severity'], lag=sc['lag'])
        deal = waterfall.run_batch(batch, libor, call=list(sc['call']), trigger=sc['trigger'])
        for s in range(len(sc['speed'])):
            coll = dict(eng.project(speed=sc['speed'][s], cdr=sc['cdr'][s], severity=sc['severity'][s], lag=int(sc['lag'][s])))
            ref = reference.run_deal(coll, libor, call=bool(sc['call'][s]), trigger=bool(sc['trigger'][s]))
            got = waterfall.deal_result(deal, s)
            assert got.call_period == ref.call_period
            for b, frame in ref.bonds.items():
                diff = np.abs(got.bonds[b][list(CASH)].to_numpy() - frame[list(CASH)].to_numpy())
                assert diff.max() < 0.005, f"shock {shock} scenario {s} {b}: off by {diff.max():.4f}"
            for g in (1, 2):
                for part in ('ledger', 'oc', 'losses', 'swaps'):
                    x, y = getattr(ref, part)[g], getattr(got, part)[g]
                    cols = [c for c in x.columns if c != 'date']
                    assert list(x.columns) == list(y.columns), (part, g)
                    assert np.abs(x[cols].to_numpy(float) - y[cols].to_numpy(float)).max() < 0.005, (shock, s, part, g)
                assert np.abs(ref.afr[g].to_numpy() - got.afr[g].to_numpy()).max() < 1e-9
            checked += 1
    assert checked == 500

@pytest.mark.parametrize('overrides', [{'insurer_premium_priority': 'subordinate'}, {'cross_support': 'current_loss'},
                                       {'cross_support': 'until_retire'}, {'cross_support': 'none'},
                                       {'surety_carveout_cash': 'paid'}, {'oc_build_allocation': 'sequential'},
                                       {'swap_notional_cap': 'bonds'}, {'oc_release': False}])
def test_every_reading_equals_the_reference(overrides):
    "Each named reading of the waterfall, under losses, to maturity and with delinquencies: the same cents."
    eng, libor = materials._engine(None, 'forward', 0.0, 1, materials._model_key())
    for speed, cdr, sev, dq in ((60, 12, 0.5, 0.1), (150, 4, 0.35, 0.0), (250, 25, 0.8, 0.2)):
        coll = dict(eng.project(speed=speed, cdr=cdr, severity=sev, lag=6))
        ref = reference.run_deal(coll, libor, call=False, delinquency=dq, assumptions=overrides)
        got = waterfall.run_deal(coll, libor, call=False, delinquency=dq, assumptions=overrides)
        for b in ref.bonds:
            assert np.abs(ref.bonds[b][list(CASH)].to_numpy() - got.bonds[b][list(CASH)].to_numpy()).max() < 0.005

def test_bad_scenario_values_are_refused_naming_the_row():
    eng, libor = materials._engine(None, 'forward', 0.0, 1, materials._model_key())
    batch = eng.project_batch(speed=[100, 120, 140])
    with pytest.raises(InputError, match='trigger: scenario 2'): waterfall.run_batch(batch, libor, trigger=[0, 0, 2])
    with pytest.raises(InputError, match='call: 2 values for 3 scenarios'): waterfall.run_batch(batch, libor, call=[True, False])
    bad = {g: dict(v) for g, v in batch.items()}
    bad[2]['net_interest'] = bad[2]['net_interest'].copy(); bad[2]['net_interest'][1, 7] = np.nan
    with pytest.raises(InputError, match=r'collateral\[2\].net_interest: scenario 1 row 8'): waterfall.run_batch(bad, libor)
