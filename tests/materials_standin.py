"""Stand-in collateral for the materials tests, the reconciliation notebook and the deal benchmark while the
reconstructed sample pool (impac_research/pool.py + data/sample_pool.csv, helper B) does not exist yet.

`standin_tape()` = `cf_reference.synthetic_pool(0)` (the seed's product mix, counts and balances, random terms) with the
remaining CONTRACTS tape columns filled deterministically so that the tape validates. It is NOT the sample pool: the
strat tables will not tie on it. `use_standin(materials)` points `materials._default_pool` at it only when the real
pool is missing; with the real pool present it does nothing.
"""
import datetime as dt, importlib.util, sys
from pathlib import Path
import numpy as np
import pandas as pd

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path: sys.path.insert(0, str(_HERE))
from cf_reference import synthetic_pool  # noqa: E402


def real_pool_available() -> bool:
    "True when the embedded sample pool (module + data file) is present."
    spec = importlib.util.find_spec('impac_research.pool')
    if spec is None or spec.origin is None: return False
    return (Path(spec.origin).parent / 'data' / 'sample_pool.csv').exists()


def _months_before(d: dt.date, k: int) -> dt.date:
    y, m = divmod(d.month - 1 - k, 12)
    return dt.date(d.year + y, m + 1, 1)


def standin_tape(seed: int = 0) -> pd.DataFrame:
    "A validating loan tape with the seed's product mix (not the sample pool)."
    p = synthetic_pool(seed).copy()
    rng = np.random.default_rng(seed + 1)
    n = len(p)
    g1 = p['group'].to_numpy() == 1
    # age a: first payment 2003-01-01 minus (a-1) months; origination one month before the first payment's month
    fp = [_months_before(dt.date(2003, 1, 1), int(a) - 1) for a in p['age']]
    p['first_payment_date'] = fp
    p['origination_date'] = [_months_before(d, 2) + dt.timedelta(days=14) for d in fp]
    p['ltv'] = np.round(np.where(g1, rng.uniform(40, 95, n), rng.uniform(45, 75, n)), 2)
    p['fico'] = np.where(g1, rng.integers(560, 810, n), rng.integers(660, 780, n)).astype(int)
    p['dti'] = np.round(rng.uniform(15, 50, n), 2)
    p['state'] = np.where(rng.random(n) < 0.6, 'CA', np.where(rng.random(n) < 0.5, 'FL', 'NV'))
    p['property_type'] = np.where(g1, np.where(rng.random(n) < 0.75, 'SFR', 'PUD'), 'MULTI-FAMILY')
    p['purpose'] = np.where(rng.random(n) < 0.5, 'PUR', 'REFI/CASH-OUT')
    p['occupancy'] = np.where(g1, 'OWNER OCC', 'INV HOME')
    p['documentation'] = np.where(rng.random(n) < 0.6, 'REDUCED', 'FULL')
    pp = rng.random(n) < 0.7
    p['prepay_term'] = np.where(pp, 24, 0).astype(int)
    p['prepay_type'] = np.where(pp, 'HARD', 'NONE')
    p['lien'] = 1
    return p


def use_standin(materials) -> bool:
    "Point `materials._default_pool` at the stand-in when the real pool is missing; returns True if it did."
    if real_pool_available(): return False
    from impac_research.tape import validate_tape
    tape = validate_tape(standin_tape(0))
    materials._default_pool = lambda: tape
    materials._run.cache_clear()
    return True
