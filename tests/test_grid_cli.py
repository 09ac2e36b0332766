"`impac-materials grid`: the four files for a small spec; a bad spec exits 2 and writes nothing; the report's command line unchanged."
import json
import pandas as pd
from impac_research import reports, grids

def test_grid_writes_four_files(tmp_path):
    spec = tmp_path/'grid.yaml'
    spec.write_text("speed: [100, 200]\ncdr: [0, 10]\nseverity: [0.4]\nhorizon: [maturity]\nbonds: [1-B-1]\n")
    out = tmp_path/'out'
    assert reports.main(['grid', '--out', str(out), '-f', str(spec), '-p', 'shock_bp', '[0, 100]']) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(grids.GRID_FILES)
    df = pd.read_parquet(out/'grid.parquet')
    assert len(df) == 8 and set(df.bond) == {'1-B-1'}
    doc = json.loads((out/'grid.json').read_text())
    assert doc['spec']['shock_bp'] == [0, 100] and doc['inputs']['tape']['sha256'] and doc['scenarios'] == 8
    html = (out/'grid.html').read_text()
    assert html.count('data:image/png;base64,') >= 4 and 'breakeven frontier' in html

def test_bad_spec_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path/'out'
    assert reports.main(['grid', '--out', str(out), '-f', 'grid_stress', '-p', 'severity', '[0.3, 1.5]']) == 2
    assert not out.exists() and list(tmp_path.iterdir()) == []
    err = capsys.readouterr().err
    assert 'severity[1] = 1.5' in err and '[0, 1]' in err
    assert reports.main(['grid', '--out', str(out), '-f', 'no_such_spec']) == 2 and not out.exists()

def test_report_command_line_unchanged():
    args = reports._parser().parse_args(['--out', 'X', '-p', 'cdr', '5'])
    assert args.out == 'X' and args.parameter == [['cdr', '5']]
    assert 'grid_stress' not in reports.param_sets() and set(grids.grid_specs()) == {'grid_stress', 'grid_dm_surface'}

def test_scheduler_without_dask_exits_2(tmp_path, monkeypatch, capsys):
    import builtins
    real = builtins.__import__
    def no_dask(name, *a, **k):
        if name.split('.')[0] in ('dask', 'distributed'): raise ImportError(f"No module named {name!r}")
        return real(name, *a, **k)
    monkeypatch.setattr(builtins, '__import__', no_dask)
    assert reports.main(['grid', '--out', str(tmp_path/'out'), '--scheduler', 'local']) == 2
    assert not (tmp_path/'out').exists() and 'impac_research[grid]' in capsys.readouterr().err

def test_library_imports_without_dask():
    import subprocess, sys
    code = ("import sys, impac_research.materials, impac_research.grids, impac_research.reports; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')]; assert not bad, bad")
    subprocess.run([sys.executable, '-c', code], check=True)
