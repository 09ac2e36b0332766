"""End-to-end tests of the papermill report and the `impac-materials` command (helper F, issue 6).

Two kinds of run, each executed once per session (module-scoped fixtures):
- `fake_runs`: the report machinery (template, parameters, CLI, atomic output, CSV determinism, HTML, Chromium) driven by
  a *test double* of the `impac_research.materials` API, injected into the kernel with an IPython startup file. It tests
  the machinery independently of the model and of how far the model has got; it is never used outside these tests.
- `real_run`: the full report on the real `impac_research.materials`; its CSV / JSON figures must equal what materials
  returns for the same parameters. Skipped, with the reason, only while materials does not offer the API yet.
"""
import hashlib, importlib, json, os, shutil, subprocess, sys, textwrap, time
from pathlib import Path
import numpy as np, pandas as pd, pytest

from impac_research import reports

ROOT = Path(__file__).resolve().parents[1]
EXE = shutil.which('impac-materials') or str(Path(sys.executable).parent / 'impac-materials')

FAKE = textwrap.dedent('''
    """Test double of impac_research.materials / rates (tests/test_reports.py only)."""
    import sys, types, datetime as dt
    import numpy as np, pandas as pd
    import impac_research
    from impac_research.deal import payment_dates, load_deal

    def _dates(n): return payment_dates(n)

    def term_sheet(pool=None, curve=None, **kw):
        D = load_deal()
        return pd.DataFrame({c: dict(balance=D.classes[c].balance, wal_call=2.11 + i, wal_mat=2.67 + i, rating=D.classes[c].rating)
                             for i, c in enumerate(D.classes)}).T

    def collateral_tables(group, pool=None):
        from impac_research import published
        return {t: df.fillna(1.0) for t, df in published.strat_tables(group).items()}

    def collateral_summary(group, pool=None):
        from impac_research import published
        return published.pool_summary(group)

    def dm_table(bond, horizon='call', speeds=(0, 80, 100, 150, 180), price=None, curve=None, pool=None, settlement=None, **kw):
        price = 100.0 if price is None else price
        s = np.asarray(speeds, float)
        wal = 9.41 / (1 + s / 30) * (1.0 if horizon == 'call' else 1.3) * (1 + kw.get('cdr', 0) / 100)
        return pd.DataFrame({'price': price, 'dm': 40 + (100 - price) * 50 / wal, 'wal': wal, 'mdur': wal * 0.97,
                             'first_prin_pay': '2/03', 'last_prin_pay': '1/07'}, index=pd.Index(s, name='speed'))

    def available_rate_schedule(group, periods=48, pool=None):
        k = np.arange(1, periods + 1)
        return pd.DataFrame({'forward': 4 + 0.05 * k + group, 'forward_plus_2000bp': 12 + 0.1 * k}, index=pd.Index(k, name='period'))

    def breakeven_table(bond='1-B-1', severity=0.3, lag=0, pool=None, **kw):
        return pd.DataFrame({'cdr': [5.1, 4.2], 'cum_loss': [7.3, 6.5], 'first_loss_period': [61, 58]},
                            index=pd.Index(['Forward', 'Forward Plus 150bps'], name='curve'))

    def collateral_cashflows(group, speed=100, cdr=0, severity=0, lag=0, curve='forward', shock_bp=0, pool=None, **kw):
        n = 360; b0 = load_deal().groups[group].cutoff_balance
        bal = b0 * (1 - 0.02 * speed / 100 - cdr / 1200) ** np.arange(1, n + 1)
        return pd.DataFrame({'date': _dates(n), 'end_balance': bal, 'loss': bal * cdr / 1200 * severity * (np.arange(n) >= lag),
                             'wac': 5.8 + shock_bp / 100}, index=pd.Index(np.arange(1, n + 1), name='period'))

    def bond_cashflows(bond, speed=100, horizon='call', cdr=0, severity=0, lag=0, curve='forward', shock_bp=0, pool=None, **kw):
        n = 48 if horizon == 'call' else 360; b0 = load_deal().classes[bond].balance
        bal = b0 * (1 - 0.02 * (speed + 1) / 100) ** np.arange(1, n + 1); bal[-1] = 0
        return pd.DataFrame({'date': _dates(n), 'end_balance': bal, 'coupon': 1.8 + shock_bp / 100}, index=pd.Index(np.arange(1, n + 1), name='period'))

    M = types.ModuleType('impac_research.materials')
    for f in (term_sheet, collateral_tables, collateral_summary, dm_table, available_rate_schedule, breakeven_table,
              collateral_cashflows, bond_cashflows): setattr(M, f.__name__, f)
    if MISSING: delattr(M, MISSING)
    R = types.ModuleType('impac_research.rates')
    class RateScenario:
        def __init__(self, curve='forward', shock_bp=0.0): self.curve, self.shock_bp = curve, shock_bp
    R.RateScenario = RateScenario
    R.build_curves = lambda asof=None: 'curves'
    R.index_paths = lambda curves, sc, n=360: {i: np.full(n, lvl) + np.linspace(0, 3, n) * (sc.curve == 'forward') + sc.shock_bp / 100
                                               for i, lvl in (('LIB1M', 1.38), ('LIB6M', 1.40), ('LIB1Y', 1.50), ('CMT1Y', 1.33))}
    C = types.ModuleType('impac_research.reconcile')
    def reconcile_all(pool=None):
        from impac_research import published
        pub, mod, rows = published.dm_table('1-A-1', 'call'), dm_table('1-A-1'), []
        for sp in pub.index:
            for m in ('dm', 'wal', 'mdur'):
                d = float(mod.at[sp, m]) - float(pub.at[sp, m])
                rows.append(dict(section='DM table', table='1-A-1 to call', item=str(sp), measure=m, published=float(pub.at[sp, m]),
                                 model=round(float(mod.at[sp, m]), 2), model_unrounded=float(mod.at[sp, m]), delta=d,
                                 tolerance=0.01, passed=abs(d) <= 0.01))
        return pd.DataFrame(rows)
    C.reconcile_all = reconcile_all
    C.summary = lambda rec=None, pool=None: rec.groupby('section').agg(figures=('passed', 'size'), passed=('passed', 'sum'))
    C.misses = lambda rec=None, pool=None: rec[~rec['passed']]
    C.blind_record = lambda rec=None, pool=None: rec.assign(blind=rec.model, blind_passed=rec.passed, today=rec.model, today_passed=rec.passed)
    C.blind_summary = lambda br: br.groupby('section').agg(figures=('passed', 'size'), blind=('blind_passed', 'sum'), today=('today_passed', 'sum'))
    def _plot(rec, *args, **kw):
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(); ax.plot(rec.model.astype(float).to_numpy()); return fig
    C.ensemble_figures = lambda pool=None, **kw: pd.DataFrame({0: [1.0, 2.0], 1: [1.5, 2.5]})
    C.ensemble_spread = lambda rec, ens: rec.assign(ensemble_min=rec.model, ensemble_max=rec.model, spread=0.0, pinned=True, share_within=1.0)
    C.ensemble_summary = lambda sp: sp.groupby('section').agg(figures=('pinned', 'size'), pinned=('pinned', 'sum'))
    C.plot_available_rates = C.plot_breakevens = C.plot_dm_deltas = C.plot_blind_record = _plot
    C.miss_causes = lambda rec=None, pool=None, spread=None, **kw: rec[~rec['passed']].assign(cause='unexplained', evidence='')
    C.miss_cause_summary = lambda mc: mc.groupby('cause').agg(misses=('cause', 'size'))
    C.reading_frontier = lambda pool=None, **kw: pd.DataFrame({'lookback_days': ['note forms', 'change date'], 'DM': [150, 150],
                                                                'figures': [327, 341], 'shipped': [True, False], 'all_targets': [False, False]})
    C.miss_spread = lambda mc, spread: mc.assign(ensemble_min=mc.model, ensemble_max=mc.model, spread=0.0, pinned=True, share_within=1.0)
    for name, mod in (('materials', M), ('rates', R), ('reconcile', C)):
        sys.modules['impac_research.' + name] = mod; setattr(impac_research, name, mod)
''')


def fake_env(tmp, missing=None):
    "Environment whose kernels see the materials test double (IPython startup file)."
    startup = tmp / 'ipython' / 'profile_default' / 'startup'
    startup.mkdir(parents=True, exist_ok=True)
    (tmp / 'fake_materials_double.py').write_text(f'MISSING = {missing!r}\n' + FAKE)
    (startup / '00_fake_materials.py').write_text(f'import sys; sys.path.insert(0, {str(tmp)!r}); import fake_materials_double\n')
    return dict(os.environ, IPYTHONDIR=str(tmp / 'ipython'))


def cli(args, env=None, cwd=None, timeout=300):
    return subprocess.run([EXE, '--no-progress-bar', *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)


def popen(args, env=None, cwd=None):
    return subprocess.Popen([EXE, '--no-progress-bar', *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)


def csv_bytes(d):
    return {p.name: p.read_bytes() for p in sorted((d / 'tables').glob('*.csv'))}


@pytest.fixture(scope='module')
def fake_runs(tmp_path_factory):
    "Three CLI runs on the test double: defaults (twice, from another folder) and an override."
    tmp = tmp_path_factory.mktemp('fake')
    env = fake_env(tmp)
    from impac_research import tape
    tape.write_tape(tape.example_tape(), tmp / 'my_tape.csv')     # a valid user tape for the override run
    t = time.perf_counter()
    runs = [popen(['--out', str(tmp / 'a')], env=env, cwd=tmp),    # run concurrently: wall time is what counts here
            popen(['--out', 'b', '--no-pdf'], env=env, cwd=tmp),
            popen(['--out', str(tmp / 'c'), '--no-pdf', '-p', 'prices', '{1-B-1: 98.5}', '-p', 'shock_bp', '200',
                   '-f', 'loss_10cdr', '-p', 'sections', '[dm, scenario]', '--tape', 'my_tape.csv'], env=env, cwd=tmp)]
    a, b, c = [p.communicate(timeout=300)[1] for p in runs]
    elapsed = time.perf_counter() - t
    for p, err in zip(runs, (a, b, c)): assert p.returncode == 0, err[-3000:]
    a = subprocess.CompletedProcess(runs[0].args, 0, '', a)
    return dict(tmp=tmp, env=env, a=tmp / 'a', b=tmp / 'b', c=tmp / 'c', stderr=a.stderr, elapsed=elapsed)


def test_template_defaults_match_library():
    "The template's `parameters` cell (tag kept through nbdev_clean) carries exactly reports.default_params()."
    import papermill as pm, nbformat
    nb = nbformat.read(str(reports.template_path()), as_version=4)
    assert sum('parameters' in c.metadata.get('tags', []) for c in nb.cells) == 1
    inferred = {k: v['default'] for k, v in pm.inspect_notebook(str(reports.template_path())).items()}
    got = {k: eval(v) for k, v in inferred.items()}
    assert reports.validate_params(got) == reports.validate_params({})
    assert set(got) == set(reports.default_params())


def test_outputs_written(fake_runs):
    a = fake_runs['a']
    names = {p.name for p in a.iterdir()}
    assert {'materials.ipynb', 'materials.html', 'materials.json', 'tables'} <= names
    doc = json.loads((a / 'materials.json').read_text())
    assert doc['version'] == reports.impac_research.__version__
    assert doc['parameters'] == {k: v for k, v in reports.validate_params({}).items() if k != 'output_dir'}
    for k in ('deal.toml', 'assumptions.toml'):
        assert doc['inputs'][k] == hashlib.sha256((ROOT / 'impac_research' / 'data' / k).read_bytes()).hexdigest()
    assert 'tape' in doc['inputs'] and 'market' in doc['inputs']
    assert doc['inputs']['published']['blind_predictions.csv'] == hashlib.sha256(
        (ROOT / 'impac_research' / 'data' / 'published' / 'blind_predictions.csv').read_bytes()).hexdigest()
    csvs = csv_bytes(a)
    assert set(doc['tables']) == {n.removesuffix('.csv') for n in csvs}
    for must in ('term_sheet', 'breakeven_1_b_1', 'dm_1_a_1_call', 'dm_2_a_1_maturity', 'afr_group1', 'afr_group2',
                 'g1_summary', 'g2_summary', 'g1_strat_description', 'bond_balances_by_speed', 'index_paths', 'reconciliation',
                 'reconciliation_summary', 'reconciliation_misses', 'reconciliation_miss_causes',
                 'reconciliation_miss_cause_summary', 'reconciliation_reading_frontier', 'blind_record', 'blind_record_summary',
                 'ensemble_manifest', 'ensemble_summary', 'ensemble_misses'):
        assert must in doc['tables'], must
    html = (a / 'materials.html').read_text()
    assert '<img' in html and 'Price-DM' in html and 'from impac_research import reports' not in html   # no code cells
    assert 'progress' in fake_runs['stderr'] or 'executing the report' in fake_runs['stderr']
    assert not [p for p in fake_runs['tmp'].iterdir() if p.name.startswith('.')]   # no temp/backup folders left


def test_csv_byte_identical(fake_runs):
    "Two runs (different folders, different working directories) give byte-identical CSV tables and materials.json."
    a, b = csv_bytes(fake_runs['a']), csv_bytes(fake_runs['b'])
    assert a and a == b
    assert (fake_runs['a'] / 'materials.json').read_bytes() == (fake_runs['b'] / 'materials.json').read_bytes()


def test_override_changes_output(fake_runs):
    "A papermill override (-p / -f) reaches the kernel and changes the output."
    a, c = fake_runs['a'], fake_runs['c']
    doc = json.loads((c / 'materials.json').read_text())
    assert doc['parameters']['prices']['1-B-1'] == 98.5 and doc['parameters']['cdr'] == 10 and doc['parameters']['shock_bp'] == 200
    dm_a = pd.read_csv(a / 'tables' / 'dm_1_b_1_call.csv', index_col=0)
    dm_c = pd.read_csv(c / 'tables' / 'dm_1_b_1_call.csv', index_col=0)
    assert (dm_c['price'] == 98.5).all() and (dm_c['dm'] > dm_a['dm']).all()
    cf_a = pd.read_csv(a / 'tables' / 'collateral_cashflows_group1.csv', index_col=0)
    cf_c = pd.read_csv(c / 'tables' / 'collateral_cashflows_group1.csv', index_col=0)
    assert cf_a['loss'].sum() == 0 and cf_c['loss'].sum() > 0
    nb = (c / 'materials.ipynb').read_text()
    assert 'injected-parameters' in nb
    tape = fake_runs['tmp'] / 'my_tape.csv'      # --tape: resolved to an absolute path, hashed into materials.json
    assert doc['parameters']['tape'] == str(tape)
    assert doc['inputs']['tape'] == dict(path=str(tape), sha256=hashlib.sha256(tape.read_bytes()).hexdigest())
    assert json.loads((a / 'materials.json').read_text())['inputs']['tape']['path'] == '<embedded sample_pool.csv>'


@pytest.mark.slow
def test_rerun_and_failing_section(fake_runs, tmp_path):
    """A section whose materials function is missing fails the run loudly (exit 1, function named) and leaves nothing;
    the analyst can still ask for the sections that exist. Running into a previous report's folder replaces it; a folder
    that is not a report is never touched."""
    env = fake_env(tmp_path, missing='breakeven_table')
    out = tmp_path / 'out'
    r = cli(['--out', str(out), '--no-pdf'], env=env)
    assert r.returncode == 1 and 'materials.breakeven_table is not available' in r.stderr, r.stderr[-2000:]
    assert not out.exists()
    shutil.copytree(fake_runs['b'], out)
    (out / 'stale.txt').write_text('old')
    r = cli(['--out', str(out), '--no-pdf', '-p', 'sections', '[term_sheet, afr]'], env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert not (out / 'stale.txt').exists()
    assert sorted(p.name for p in (out / 'tables').iterdir()) == ['afr_group1.csv', 'afr_group2.csv', 'term_sheet.csv']
    assert 'Section <code>breakeven</code> not requested' in (out / 'materials.html').read_text()
    other = tmp_path / 'mine'; other.mkdir(); (other / 'notes.txt').write_text('keep')
    r = cli(['--out', str(other), '--no-pdf'], env=env)
    assert r.returncode == 2 and 'not a previous impac-materials report' in r.stderr
    assert [p.name for p in other.iterdir()] == ['notes.txt']


@pytest.mark.parametrize('args,msg', [
    (['-p', 'severity', '40'], 'parameter severity: 40 is not allowed (allowed: loss severity as a fraction of the defaulted balance, in [0, 1]'),
    (['-p', 'speeds', '[100, -5]'], 'parameter speeds'),
    (['-p', 'curve', 'spot'], "'flat' or 'realised'"),
    (['-p', 'settlement_date', '2003-03-01'], '2003-02-24'),
    (['-p', 'lag', '2.5'], 'parameter lag'),
    (['-p', 'cdrr', '5'], 'unknown parameter'),
    (['-p', 'call', 'maybe'], 'parameter call'),
    (['-p', 'oas_paths', '999'], 'parameter oas_paths: 999 is not allowed (allowed: Monte Carlo Hull-White paths of the oas section, an even whole number in [2, 20000]'),
    (['-p', 'oas_paths', '1'], 'parameter oas_paths: 1 is not allowed'),
    (['-p', 'oas_paths', '30000'], 'parameter oas_paths: 30000 is not allowed'),
    (['-p', 'oas_paths', 'x'], "parameter oas_paths: 'x' is not allowed"),
    (['-p', 'oas_prepay', 'psa'], "parameter oas_prepay: 'psa' is not allowed (allowed: prepayments on the oas section's paths: 'pricing'"),
])
def test_bad_parameter(args, msg, tmp_path, capsys):
    "A bad parameter stops the run before any computation, names the parameter and range, and leaves no output."
    out = tmp_path / 'out'
    assert reports.main(['--out', str(out), *args]) == 2
    err = capsys.readouterr().err
    assert msg in err and 'executing' not in err, err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_bad_parameter_console_script(tmp_path):
    "The installed console script, run from another folder, exits non-zero on a bad parameter and writes nothing."
    r = cli(['--out', 'out', '-p', 'cdr', '250'], cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert 'parameter cdr: 250 is not allowed (allowed: constant default rate in percent per year, in [0, 100])' in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_bad_tape(tmp_path):
    "A bad loan tape exits non-zero with the tape's own validation message (row, column, allowed range); nothing is written."
    tape = pytest.importorskip('impac_research.tape', reason='impac_research.tape (helper A) not available yet')
    df = tape.example_tape()
    df.loc[1, 'coupon'] = -4.0
    bad = tmp_path / 'bad_tape.csv'; df.to_csv(bad, index=False)
    with pytest.raises(reports.InputError) as e: tape.validate_tape(tape.read_tape(bad))
    expected = str(e.value).splitlines()
    out = tmp_path / 'out'
    r = cli(['--out', str(out), '--tape', str(bad)], cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert all(line in r.stderr for line in expected) and "column 'coupon'" in r.stderr, r.stderr
    assert 'executing' not in r.stderr and not out.exists()


def _png_stats(png):
    from PIL import Image
    im = np.asarray(Image.open(png).convert('L'), float)
    return im.shape, im.std(), len(np.unique(im))


def test_html_screenshot_in_chromium(fake_runs):
    "The HTML renders in headless Chromium with tables and plots; the PDF was printed."
    chromium = reports.find_chromium()
    if chromium is None: pytest.skip("Chromium not installed (Debian's `chromium`, installed by .ci/run): no screenshot")
    a = fake_runs['a']
    assert (a / 'materials.pdf').stat().st_size > 20_000 and (a / 'materials.pdf').read_bytes()[:5] == b'%PDF-'
    png = reports.screenshot(a / 'materials.html', fake_runs['tmp'] / 'materials.png', size=(1400, 30000), scale=0.5)
    shape, std, levels = _png_stats(png)
    assert png.stat().st_size > 50_000 and shape == (15000, 700) and std > 10 and levels > 50
    assert_tables_and_plots(png)


def assert_tables_and_plots(png):
    "Tables: many rows of dark text near the top; plots: coloured (saturated) pixels further down."
    from PIL import Image
    rgb = np.asarray(Image.open(png).convert('RGB')).astype(int)
    ink = (rgb.min(axis=2) < 120).sum(axis=1)
    assert (ink[:2400] > 0).sum() > 400, 'no text/tables rendered at the top of the report'
    sat = ((rgb.max(axis=2) - rgb.min(axis=2)) > 60).sum(axis=1)
    assert (sat > 8).sum() > 150, 'no coloured plot lines rendered'
    return ink, sat


# ---------------------------------------------------------------------------------------------------------------------
# The real model
REAL_API = ('term_sheet', 'collateral_tables', 'collateral_summary', 'dm_table', 'available_rate_schedule',
            'breakeven_table', 'collateral_cashflows', 'bond_cashflows')


def _materials():
    try: m = importlib.import_module('impac_research.materials')
    except ImportError as e: pytest.skip(f'impac_research.materials not importable yet ({e})')
    try: importlib.import_module('impac_research.pool').sample_pool()
    except (ImportError, FileNotFoundError) as e:
        pytest.skip(f'the embedded sample pool (impac_research.pool, helper B) is not available yet ({e})')
    missing = [f for f in REAL_API if not hasattr(m, f)]
    if missing: pytest.skip(f'impac_research.materials does not offer {missing} yet')
    return m


@pytest.fixture(scope='module')
def real_run(tmp_path_factory):
    "The full report on the real model, once per session."
    m = _materials()
    out = tmp_path_factory.mktemp('real') / 'out'
    t = time.perf_counter()
    r = cli(['--out', str(out), '--no-pdf'], timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return dict(out=out, m=m, elapsed=time.perf_counter() - t)


def _same(csv_path, df):
    got = pd.read_csv(csv_path, index_col=0)
    exp = pd.read_csv(__import__('io').StringIO(df.to_csv(float_format=reports.FLOAT_FORMAT, lineterminator='\n',
                                                          date_format='%Y-%m-%d')), index_col=0)
    pd.testing.assert_frame_equal(got, exp, check_dtype=False, rtol=1e-9)


@pytest.mark.slow
def test_real_figures_equal_materials(real_run):
    "CSV and JSON figures equal what impac_research.materials returns for the same (published) parameters."
    import datetime as dt
    m, out = real_run['m'], real_run['out']
    P = reports.validate_params({})
    scn = dict(cdr=P['cdr'], severity=P['severity'], lag=P['lag'], shock_bp=P['shock_bp'], trigger=P['trigger'], pool=None)
    doc = json.loads((out / 'materials.json').read_text())
    tables = out / 'tables'
    def same(key, df):
        _same(tables / f'{reports.slug(key)}.csv', df)
        assert doc['tables'][reports.slug(key)]['data'] == reports.table_json(df)['data'], key
    same('term_sheet', m.term_sheet(shock_bp=0.0, trigger=False, pool=None))
    for b in reports.BONDS:
        for h in ('call', 'maturity'):
            same(f'dm_{b}_{h}', m.dm_table(b, horizon=h, speeds=tuple(P['speeds']), price=P['prices'][b],
                                           settlement=dt.date.fromisoformat(P['settlement_date']), **scn))
    for g in reports.GROUPS:
        same(f'afr_group{g}', m.available_rate_schedule(g, periods=48, pool=None))
        same(f'g{g}_summary', m.collateral_summary(g))
        for t, df in m.collateral_tables(g).items(): same(f'g{g}_strat_{t}', df)
        same(f'collateral_cashflows_group{g}', m.collateral_cashflows(g, speed=100, **scn))
    for b in reports.BONDS: same(f'bond_cashflows_{b}', m.bond_cashflows(b, speed=100, horizon='call', **scn))
    same('breakeven_1-B-1', m.breakeven_table('1-B-1', trigger=False, pool=None))
    from impac_research import reconcile as rc
    rec = rc.reconcile_all()
    same('reconciliation', rec)
    same('reconciliation_summary', rc.summary(rec))
    same('reconciliation_misses', rc.misses(rec))
    mc = rc.miss_causes(rec)                       # every miss with its measured cause; none unexplained
    same('reconciliation_miss_causes', mc)
    same('reconciliation_miss_cause_summary', rc.miss_cause_summary(mc))
    assert len(mc) == int((~rec.passed).sum()) and not (mc.cause == rc.UNEXPLAINED).any(), mc[['table', 'item', 'measure', 'cause']]
    fr = rc.reading_frontier()                     # every combination of the readings, scored; the shipped row is the model
    same('reconciliation_reading_frontier', fr)
    assert len(fr) == 64 and int(fr.shipped.sum()) == 1 and not fr.all_targets.any()
    br = rc.blind_record(rec)
    same('blind_record', br)
    same('blind_record_summary', rc.blind_summary(br))
    assert len(br) == rc.BLIND_FIGURES
    from impac_research import pool as pool_module
    same('ensemble_manifest', pool_module.ensemble_manifest())
    spread = pd.read_csv(tables / 'ensemble_spread.csv')
    assert len(spread) == len(rec) and spread.pinned.dtype == bool
    em = pd.read_csv(tables / 'ensemble_misses.csv', index_col=0)
    assert em.cause.tolist() == mc.cause.tolist() and em.pinned.dtype == bool


@pytest.mark.slow
def test_real_html_screenshot(real_run):
    "The real report renders in headless Chromium with its tables and plots."
    if reports.find_chromium() is None: pytest.skip("Chromium not installed (Debian's `chromium`): no screenshot")
    png = reports.screenshot(real_run['out'] / 'materials.html', real_run['out'].parent / 'materials_real.png', size=(1400, 40000), scale=0.5)
    assert_tables_and_plots(png)


@pytest.mark.slow
def test_real_collateral_model_options(tmp_path):
    """The collateral model options reach the figures: a report run on rep lines with the index at the change date and
    unrounded rates writes what materials returns for those options, records them, and differs from the shipped
    model's schedule."""
    m = _materials()
    out = tmp_path / 'out'
    r = cli(['--out', str(out), '--no-pdf', '-p', 'collateral', 'rep_lines', '-p', 'lookback_days', '0',
             '-p', 'rounding', 'none', '-p', 'sections', '[afr, breakeven]'], timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    opts = dict(collateral='rep_lines', lookback_days=0, rounding='none')
    for g in reports.GROUPS:
        _same(out / 'tables' / f'afr_group{g}.csv', m.available_rate_schedule(g, periods=48, pool=None, **opts))
    _same(out / 'tables' / f"{reports.slug('breakeven_1-B-1')}.csv", m.breakeven_table('1-B-1', trigger=False, pool=None, **opts))
    doc = json.loads((out / 'materials.json').read_text())
    assert doc['parameters']['collateral'] == 'rep_lines' and doc['parameters']['lookback_days'] == 0
    assert doc['parameters']['rounding'] == 'none'
    shipped = m.available_rate_schedule(1)
    got = pd.read_csv(out / 'tables' / 'afr_group1.csv', index_col=0)
    assert float((got['forward'] - shipped['forward'].to_numpy()).abs().max()) > 0.05


def test_real_waterfall_reading(tmp_path):
    """A what-if reading of the waterfall (`-p assumptions`) reaches every table it enters: the rate schedules, the
    breakeven table and the Price-DM tables equal materials run with the same overrides, the run records it, and the
    shipped figures move. A bad reading exits with status 2, names the assumption and writes nothing."""
    import datetime as dt
    m = _materials()
    over = {'insurer_premium_rate': 0.10, 'cross_support': 'none'}
    out = tmp_path / 'out'
    r = cli(['--out', str(out), '--no-pdf', '-p', 'assumptions', '{insurer_premium_rate: 0.10, cross_support: none}',
             '-p', 'sections', '[afr, breakeven, dm]'], timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    for g in reports.GROUPS:
        _same(out / 'tables' / f'afr_group{g}.csv', m.available_rate_schedule(g, periods=48, pool=None, assumptions=over))
    _same(out / 'tables' / f"{reports.slug('breakeven_1-B-1')}.csv", m.breakeven_table('1-B-1', trigger=False, pool=None, assumptions=over))
    P = reports.validate_params({})
    _same(out / 'tables' / 'dm_1_b_1_maturity.csv',
          m.dm_table('1-B-1', horizon='maturity', speeds=tuple(P['speeds']), price=P['prices']['1-B-1'],
                     settlement=dt.date.fromisoformat(P['settlement_date']), cdr=0.0, severity=0.0, lag=0, shock_bp=0.0,
                     trigger=False, pool=None, assumptions=over))
    doc = json.loads((out / 'materials.json').read_text())
    assert doc['parameters']['assumptions'] == {'cross_support': 'none', 'insurer_premium_rate': 0.1}
    got = pd.read_csv(out / 'tables' / 'afr_group1.csv', index_col=0)
    assert float((got['forward'] - m.available_rate_schedule(1)['forward'].to_numpy()).min()) > 0.04   # a lower premium lifts it
    bad = tmp_path / 'bad'
    r = cli(['--out', str(bad), '--no-pdf', '-p', 'assumptions', '{cross_support: sideways}'])
    assert r.returncode == 2 and 'cross_support' in r.stderr and not bad.exists(), r.stderr[-2000:]


def test_grid_section_is_off_by_default_and_writes_its_tables(tmp_path):
    "The optional `grid` section: not in the published run; asked for, it writes the stress grid and the 1-B-1 frontier."
    assert 'grid' in reports.SECTIONS and 'grid' not in reports.default_params()['sections']
    out = tmp_path / 'grid_only'
    assert reports.main(['--out', str(out), '-p', 'sections', '[grid]', '--no-pdf']) == 0
    doc = reports.check_output(out)
    assert sorted(doc['tables']) == ['grid', 'grid_breakeven_frontier']
    g = pd.read_csv(out / 'tables' / 'grid.csv', index_col=0)
    assert g.scenario.nunique() == 270 and set(g.bond) == {'1-A-1', '1-B-1', '2-A-1'}
    fr = pd.read_csv(out / 'tables' / 'grid_breakeven_frontier.csv', index_col=0)
    assert len(fr) == 15 and fr.breakeven_cdr.notna().all()          # every speed x severity writes the 1-B-1 down somewhere


def test_oas_section_is_off_by_default_and_writes_its_table(tmp_path):
    """The optional `oas` section (shipped set `-f oas`): not in the published run; asked for, it writes tables/oas.csv, the
    three classes by the eight columns of materials.oas_table for the same paths and the report's loss scenario (one CDR,
    severity and lag on every path), and records its parameters."""
    assert 'oas' in reports.OPTIONAL_SECTIONS and 'oas' not in reports.default_params()['sections']
    assert 'oas' in reports.param_sets() and reports.validate_params(reports.load_param_file('oas'))['sections'] == ['term_sheet', 'dm', 'oas']
    out = tmp_path / 'oas_only'
    assert reports.main(['--out', str(out), '-f', 'oas', '-p', 'sections', '[oas]', '-p', 'oas_paths', '20', '-p', 'cdr', '5',
                         '-p', 'severity', '0.3', '--no-pdf', '--no-progress-bar']) == 0
    doc = reports.check_output(out)
    assert sorted(doc['tables']) == ['oas']
    got = pd.read_csv(out / 'tables' / 'oas.csv', index_col=0)
    assert list(got.index) == ['1-A-1', '1-B-1', '2-A-1']
    assert list(got.columns) == ['price', 'dm_forward', 'oas', 'option_cost', 'eff_duration', 'eff_convexity', 'cap_value', 'oas_stderr']
    want = importlib.import_module('impac_research.materials').oas_table(paths=20, cdr=5, severity=0.3)
    no_loss = importlib.import_module('impac_research.materials').oas_table(paths=20, bonds=('1-B-1',))
    assert abs(want.loc['1-B-1', 'dm_forward'] - no_loss.loc['1-B-1', 'dm_forward']) > 0.01   # the losses reach the table
    np.testing.assert_allclose(got[['price', 'dm_forward', 'oas', 'option_cost', 'oas_stderr']].to_numpy(float),
                               want[['price', 'dm_forward', 'oas', 'option_cost', 'oas_stderr']].to_numpy(float), atol=0.006)
    p = doc['parameters']
    assert (p['sections'], p['oas_paths'], p['oas_prepay'], p['cdr'], p['severity']) == (['oas'], 20, 'pricing', 5.0, 0.3)
    html = (out / 'materials.html').read_text()
    assert 'Option-adjusted spread' in html and '20 Hull-White paths' in html and 'seed 2003' in html and '5 CDR, severity 0.3' in html


@pytest.mark.parametrize('args,name', [(['-p', 'collateral', 'loans'], 'collateral'),
                                       (['-p', 'settlement_date', '2003-02-03'], 'settlement_date')])
def test_oas_section_refuses_a_scenario_it_cannot_take(args, name, tmp_path, capsys):
    """oas_table always runs the embedded pool and the shipped collateral model at the deal's settlement: asked for under
    another collateral reading (or settlement), the report does not show figures that ignore it. It stops (exit 1)
    naming the function and the parameter (SectionUnavailable), and writes nothing."""
    out = tmp_path / 'out'
    assert reports.main(['--out', str(out), '-p', 'sections', '[oas]', '-p', 'oas_paths', '2', *args, '--no-pdf',
                         '--no-progress-bar']) == 1
    err = capsys.readouterr().err
    assert 'SectionUnavailable' in err and f'impac_research.materials.oas_table is not given parameter {name}=' in err, err[-2000:]
    assert not out.exists()


def test_realised_curve_is_a_report_curve():
    "curve: realised runs the report's tables on the published 2003-2010 index fixings (issue 15 item 5)."
    assert reports.validate_params({'curve': 'realised'})['curve'] == 'realised'
    with pytest.raises(reports.InputError, match="realised"): reports.validate_params({"curve": "history"})


def test_kernel_that_never_started_is_started_again(monkeypatch, tmp_path):
    "A kernel that dies before its first reply (a port race in jupyter_client) ran nothing: the report starts it again; any other failure stops it."
    import papermill as pm
    calls = []
    def flaky(*a, **k):
        calls.append(k['kernel_name'])
        if len(calls) == 1: raise RuntimeError(f"{reports.KERNEL_START_FAILURE}")
        return 'executed'
    monkeypatch.setattr(pm, 'execute_notebook', flaky)
    assert reports.execute_template(reports.validate_params({}), tmp_path, progress_bar=False) == 'executed'
    assert len(calls) == 2
    def broken(*a, **k): raise RuntimeError('a cell failed')
    monkeypatch.setattr(pm, 'execute_notebook', broken)
    with pytest.raises(RuntimeError, match='a cell failed'):
        reports.execute_template(reports.validate_params({}), tmp_path, progress_bar=False)
    def never(*a, **k): raise RuntimeError(reports.KERNEL_START_FAILURE)
    monkeypatch.setattr(pm, 'execute_notebook', never)
    with pytest.raises(RuntimeError, match='kernel_info'):
        reports.execute_template(reports.validate_params({}), tmp_path, progress_bar=False, attempts=2)
