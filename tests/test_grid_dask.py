"Scenario grids on Dask: a 2-worker LocalCluster gives the in-process table; without dask the error names the extra."
import builtins
import pandas as pd
import pytest
from impac_research import materials
from impac_research.deal import InputError

GRID = dict(speed=(80, 150), cdr=(0, 8), horizon=('call', 'maturity'), shock_bp=(0, 100), severity=(0.4,))

def test_local_cluster_matches_in_process():
    distributed = pytest.importorskip('distributed')
    local = materials.scenario_grid(**GRID, chunk=3)
    with materials.grid_cluster(2) as cluster, \
         distributed.Client(cluster) as client:
        remote = materials.scenario_grid(**GRID, chunk=3, scheduler=client)
        assert client.status == 'running'                   # a caller's client is left open
        by_address = materials.scenario_grid(**GRID, chunk=3, scheduler=cluster.scheduler_address)
        reading = dict(cross_support='none', insurer_premium_rate=0.10)     # a what-if reading travels to the workers
        remote_reading = materials.scenario_grid(**GRID, chunk=3, scheduler=client, assumptions=reading)
    pd.testing.assert_frame_equal(remote_reading, materials.scenario_grid(**GRID, chunk=3, assumptions=reading))
    assert not remote_reading.dm.equals(local.dm)
    pd.testing.assert_frame_equal(remote, local)
    pd.testing.assert_frame_equal(by_address, local)
    assert len(local) == 16 * 3 and local.scenario.is_monotonic_increasing

def test_local_starts_and_closes_its_cluster():
    pytest.importorskip('distributed'); psutil = pytest.importorskip('psutil')
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    g = materials.scenario_grid(speed=(100, 200), cdr=(0, 10), bonds='1-B-1', chunk=1, scheduler='local')
    pd.testing.assert_frame_equal(g, materials.scenario_grid(speed=(100, 200), cdr=(0, 10), bonds='1-B-1'))
    left = [p for p in psutil.Process().children(recursive=True) if p.pid not in before and p.is_running()
            and p.status() != psutil.STATUS_ZOMBIE]
    assert not left, left

def test_without_dask_the_error_names_the_extra(monkeypatch):
    real = builtins.__import__
    def no_dask(name, *a, **k):
        if name.split('.')[0] in ('dask', 'distributed'): raise ImportError(f"No module named {name!r}")
        return real(name, *a, **k)
    monkeypatch.setattr(builtins, '__import__', no_dask)
    with pytest.raises(InputError, match=r'impac_research\[grid\]'):
        materials.scenario_grid(speed=(100,), bonds='1-B-1', scheduler='local')
    assert len(materials.scenario_grid(speed=(100,), bonds='1-B-1')) == 1    # in process needs no dask

def test_bad_scheduler():
    pytest.importorskip('distributed')
    with pytest.raises(InputError, match='scheduler'): materials.scenario_grid(speed=(100,), scheduler=42)
