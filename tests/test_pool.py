"""Sample pool (helper B): the stored reconstruction ties out to the printed figures, regenerates byte for byte,
and keeps the joint rules the document shows."""
import hashlib, os
from pathlib import Path
import numpy as np
import pandas as pd
import pytest
from impac_research import pool, published, strats, tape
from impac_research.deal import InputError


@pytest.fixture(scope="module")
def sp():
    return pool.sample_pool()


def _mismatches(df, g):
    r = strats.compare_to_published(df, g)
    return r, "\n" + r.to_string() if len(r) else ""


def test_stored_file_and_hash(sp):
    p = Path(str(pool._pool_path()))
    want = p.with_suffix(".sha256").read_text().split()[0]
    assert hashlib.sha256(p.read_bytes()).hexdigest() == want
    assert len(sp) == 1293 and (sp.group == 1).sum() == 1273 and (sp.group == 2).sum() == 20
    tape.validate_tape(sp)
    assert list(sp.columns[:len(tape.TAPE_COLUMNS)]) == list(tape.TAPE_COLUMNS)


def test_group1_ties_out_exactly(sp):
    r, msg = _mismatches(sp, 1)
    assert len(r) == 0, msg


def test_group2_ties_out(sp):
    r, msg = _mismatches(sp, 2)
    if pool.POOL_MISSES.get(2, 0) or len(r):
        pytest.xfail(f"Group 2 not yet exact ({len(r)} printed figures differ):{msg}")
    assert len(r) == 0


def test_group2_counts_exact(sp):
    tabs = strats.collateral_tables(sp, 2)
    for title, t in published.strat_tables(2).items():
        got = tabs[title].reindex(t.index)["Number of Loans"].fillna(0).astype(int)
        assert (got == t["Number of Loans"]).all(), title


def test_comparison_can_fail(sp):
    bad = sp.copy()
    i = bad.index[(bad.group == 1)][0]
    bad.loc[i, "current_balance"] -= 10.0
    r = strats.compare_to_published(bad, 1)
    assert len(r) > 0


def test_joint_rules(sp):
    g1 = sp[sp.group == 1]
    assert (sp.lifetime_floor <= sp.coupon + 1e-9).all()
    assert (sp.original_balance >= sp.current_balance - 1e-9).all()
    assert (sp.remaining_term == sp.original_term - sp.age).all()
    five = g1.initial_cap == 5.0
    assert set(g1[five]["product"]) == {"5/1 CMT1Y", "7/1 CMT1Y"} and five.sum() == 33
    assert (g1[five].periodic_cap == 2.0).all() and (g1.periodic_cap == 2.0).sum() == 33
    assert ((sp["product"].str.contains("IO 5Y")) == (sp.io_term == 60)).all()
    assert (sp.loc[sp["product"].str.startswith("30Y"), "initial_cap"] == 1.0).all()
    nad = pd.to_datetime(sp.next_adjustment_date); fp = pd.to_datetime(sp.first_payment_date)
    assert (nad.dt.day == 1).all() and (fp.dt.day == 1).all()
    hyb = sp.fixed_period > 6      # hybrids: first adjustment = first accrual month + fixed period
    first_accrual = fp - pd.DateOffset(months=1)
    months = (nad.dt.year - first_accrual.dt.year) * 12 + nad.dt.month - first_accrual.dt.month
    assert (months[hyb] == sp.fixed_period[hyb]).all()
    diag = np.isclose(g1.lifetime_cap - g1.coupon, 6.0)
    assert diag.mean() > 0.8                     # most loans: lifetime cap = coupon + 6.000%


@pytest.mark.slow
def test_regenerates_byte_for_byte():
    "Regeneration (about 90 s here: Group 2's block MILP dominates) equals the stored bytes."
    df = pool.reconstruct()
    assert pool.pool_csv(df) == Path(str(pool._pool_path())).read_bytes()


def test_bad_input():
    with pytest.raises(InputError, match="seed"):
        pool.reconstruct(seed=-1)
    with pytest.raises(InputError, match="groups"):
        pool.reconstruct(groups=(3,))


def test_failed_seed_raises_named_error():
    # seed 1 alone (no restart): the Group 1 balance repair finds no swap for one bucket -- a clear error naming the
    # seed and the number of tries, not a traceback
    with pytest.raises(pool.ReconstructionError, match=r"seed 1, group 1: .*1 tries per stage.*Try another seed"):
        pool.reconstruct(seed=1, groups=(1,), restarts=1)
    with pytest.raises(InputError, match="restarts"):
        pool.reconstruct(restarts=0)


@pytest.fixture(scope="module")
def ensemble():
    return pool.ensemble_pools()


def test_ensemble_manifest_and_hashes(ensemble):
    man = pool.ensemble_manifest()
    assert list(man.columns[:3]) == ["seed", "sha256", "loans"]
    assert man.seed.tolist() == list(pool.ENSEMBLE_SEEDS) and len(man) == 10
    assert man.sha256.nunique() == 10 and (man.loans == 1293).all()
    shipped = Path(str(pool._pool_path())).with_suffix(".sha256").read_text().split()[0]
    assert man.set_index("seed").sha256[pool.SEED] == shipped       # the shipped tape is one of them
    for s, df in ensemble.items():                                   # each verified on load; same bytes out again
        assert hashlib.sha256(pool.pool_csv(df)).hexdigest() == man.set_index("seed").sha256[s], s


@pytest.mark.parametrize("seed", pool.ENSEMBLE_SEEDS)
def test_ensemble_pool_ties_out_exactly(ensemble, seed):
    df = ensemble[seed]
    assert len(df) == 1293 and (df.group == 1).sum() == 1273 and (df.group == 2).sum() == 20
    for g in (1, 2):
        r, msg = _mismatches(df, g)
        assert len(r) == 0, f"seed {seed}, group {g}:{msg}"
    assert (df.lifetime_floor <= df.coupon + 1e-9).all() and (df.original_balance >= df.current_balance - 1e-9).all()


def test_ensemble_pools_feed_the_model(ensemble):
    from impac_research import materials
    out = pool.over_ensemble(lambda t: len(materials.collateral_tables(1, pool=t)["Description"]))
    assert sorted(out) == sorted(pool.ENSEMBLE_SEEDS) and len(set(out.values())) == 1
    t = materials.dm_table("1-A-1", "call", speeds=(100,), pool=ensemble[1])      # a model figure on another seed's tape
    assert 0 < float(t.loc["WAL"].iloc[0]) < 10


def test_tampered_ensemble_file_is_named(tmp_path):
    import gzip, shutil
    shutil.copytree(pool._ensemble_dir(), tmp_path, dirs_exist_ok=True)
    f = tmp_path / pool.ensemble_file(5)
    data = gzip.decompress(f.read_bytes())
    f.write_bytes(gzip.compress(data.replace(b"G1-0002,1,", b"G1-0002,2,", 1), mtime=0))
    with pytest.raises(InputError, match=r"pool_seed5\.csv\.gz \(seed 5\) sha256"):
        pool.ensemble_pools(tmp_path)


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("IMPAC_POOL_SEEDS"), reason="10 reconstructions, ~15 min: set IMPAC_POOL_SEEDS=1")
def test_nine_of_ten_seeds_land_and_regenerate():
    "Seeds 1-10: at least 9 land, each tying every printed figure; the stored ensemble pools regenerate byte for byte."
    man = pool.ensemble_manifest().set_index("seed")
    landed = {}
    for s in range(1, 11):
        try: landed[s] = pool.reconstruct(seed=s)
        except pool.ReconstructionError: continue
        for g in (1, 2):
            r, msg = _mismatches(landed[s], g)
            assert len(r) == 0, f"seed {s}, group {g}:{msg}"
        if s in man.index:
            assert hashlib.sha256(pool.pool_csv(landed[s])).hexdigest() == man.sha256[s], s
    assert len(landed) >= 9, sorted(set(range(1, 11)) - set(landed))


def test_internal_checks_survive_python_O():
    # the search's internal checks are explicit raises, not `assert` statements that `python -O` strips
    import subprocess, sys
    code = ("from impac_research import deal, pool, strats\n"
            "if not (pool._need is deal._need and strats._need is deal._need): raise SystemExit('not the one helper')\n"
            "for f in (deal._need,):\n"
            "    try: f(False, 'x'); raise SystemExit('not raised')\n"
            "    except AssertionError as e:\n"
            "        if str(e) != 'x': raise SystemExit(f'message {e!r}')\n"
            "print('ok')")
    out = subprocess.run([sys.executable, "-O", "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
