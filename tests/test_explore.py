"""The interactive panel of chapter 09a_explore (issue 16), driven through its controls as a reader would move them.

Needs the extra `explore` (ipywidgets and voila, part of `dev`); without it the panel tests are skipped and only the
lean-install checks run. The browser test also needs Chromium (Debian's `chromium`): it serves the page with Voilà on
localhost, moves the CDR slider in headless Chromium through the DevTools protocol and takes a screenshot;
`IMPAC_UPDATE_SCREENSHOT=1` keeps it as docs/explore.png (shown in README).
"""
import asyncio, importlib.util, os, shutil, socket, subprocess, sys
from pathlib import Path
import numpy as np, pandas as pd, pytest

from impac_research import materials
from impac_research.deal import InputError

ROOT = Path(__file__).resolve().parents[1]
HAVE_WIDGETS = importlib.util.find_spec('ipywidgets') is not None
needs_widgets = pytest.mark.skipif(not HAVE_WIDGETS, reason='ipywidgets not installed: pip install "impac_research[explore]"')
COLS = ['bond', 'price', 'dm', 'wal', 'mdur', 'first_prin_pay', 'last_prin_pay', 'writedown_pct', 'cum_loss_pct',
        'first_loss_period', 'basis_risk_unpaid', 'problem']

@pytest.fixture(scope='module')
def panel():
    return materials.explore(debounce=0)

def grid_for(st, price=None):
    "`materials.scenario_grid` for one panel state, the table's columns."
    g = materials.scenario_grid(speed=(st['speed'],), cdr=(st['cdr'],), severity=(st['severity'],), lag=(st['lag'],),
                                curve=(st['curve'],), shock_bp=(st['shock_bp'],), horizon=(st['horizon'],),
                                trigger=(st['trigger'],), prices=price)
    return g[COLS].set_index('bond')

def test_lean_import():
    "`import impac_research.materials` (and the explore module) does not import ipywidgets."
    code = "import sys, impac_research.materials, impac_research.explore; assert 'ipywidgets' not in sys.modules, 'imported'"
    subprocess.run([sys.executable, '-c', code], check=True, cwd=ROOT)

def test_missing_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, 'ipywidgets', None)          # as an install without the extra
    with pytest.raises(InputError, match=r'pip install "impac_research\[explore\]"'): materials.explore()

def test_extra_declared():
    "The extra `explore` exists and `dev` includes it; the base requirements stay lean."
    from configparser import ConfigParser
    c = ConfigParser(delimiters=['=']); c.read(ROOT / 'settings.ini'); d = c['DEFAULT']
    for r in ('ipywidgets>=8', 'voila>=0.5'):
        assert r in d['explore_requirements'].split() and r in d['dev_requirements'].split()
    assert not any(r.startswith(('ipywidgets', 'voila')) for r in d['requirements'].split())
    assert "'explore': _req('explore_requirements')" in (ROOT / 'setup.py').read_text()

@needs_widgets
def test_controls_drive_outputs(panel):
    c = panel.controls
    assert set(c) == {'speed', 'cdr', 'severity', 'lag', 'curve', 'shock_bp', 'horizon', 'trigger', 'premium_rate', 'cross_support',
                      'bond', 'price'}
    table0, png0, n0 = panel.table.copy(), panel.image.value, panel.updates
    c['speed'].value = 150
    c['cdr'].value = 8
    assert panel.updates == n0 + 2 and panel.last_error is None
    assert panel.image.value != png0 and not panel.table.equals(table0)
    st = panel.state()
    assert (st['speed'], st['cdr'], st['bond'], st['price']) == (150, 8, '1-B-1', 99.01)
    pd.testing.assert_frame_equal(panel.table, grid_for(st))
    coll, res = panel.result                                       # the plotted run is materials.run's
    ref = materials.run(150, 8, st['severity'], st['lag'], st['curve'], st['shock_bp'], horizon=st['horizon'])[1]
    assert np.array_equal(panel.plots.lines['afr 1'].get_ydata(), ref.afr[1].to_numpy()[:res.call_period])
    assert '1-B-1' in panel.table_html.value

@needs_widgets
def test_waterfall_readings_drive_outputs(panel):
    "The Ambac premium and the cross-support controls reach the engine as `assumptions`; back at the shipped values they leave it."
    c = panel.controls
    c['horizon'].value = 'maturity'; c['cdr'].value = 8
    shipped = panel.table.copy()
    c['premium_rate'].value = 0.0
    c['cross_support'].value = 'none'
    over = {'insurer_premium_rate': 0.0, 'cross_support': 'none'}
    assert panel.last_error is None and not panel.table.equals(shipped)
    st = panel.state()
    g = materials.scenario_grid(**{k: (st[k],) for k in ('speed', 'cdr', 'severity', 'lag', 'curve', 'shock_bp', 'horizon', 'trigger')},
                                prices={st['bond']: st['price']}, assumptions=over)
    pd.testing.assert_frame_equal(panel.table, g[COLS].set_index('bond'))
    c['premium_rate'].value = 0.15; c['cross_support'].value = 'target'
    pd.testing.assert_frame_equal(panel.table, shipped)
    c['horizon'].value = 'call'; c['cdr'].value = 0


@needs_widgets
def test_class_and_price(panel):
    panel.controls['bond'].value = '2-A-1'
    assert panel.controls['price'].value == 100.0                   # the class's document price
    panel.controls['price'].value = 99.5
    pd.testing.assert_frame_equal(panel.table, grid_for(panel.state(), {'2-A-1': 99.5}))
    assert panel.table.loc['2-A-1', 'dm'] > panel.table.loc['1-A-1', 'dm']

@needs_widgets
def test_bad_value_shows_message(panel):
    good = panel.table.copy()
    panel.controls['price'].value = 0                               # outside [1, 500]: no exception escapes
    assert panel.last_error == 'prices[2-A-1]: 0.0 is outside the allowed range [1, 500]'
    assert 'outside the allowed range' in panel.message.value and 'Traceback' not in panel.message.value
    pd.testing.assert_frame_equal(panel.table, good)                # the outputs keep the last good scenario
    panel.controls['price'].value = 100
    assert panel.last_error is None and panel.message.value == ''

@needs_widgets
def test_engine_failure_is_a_message(panel, monkeypatch):
    "An unexpected error of the engine shows as a message too, never as a traceback."
    from impac_research import explore as X
    def boom(*a, **k): raise RuntimeError('engine down')
    monkeypatch.setattr(X, 'scenario_run', boom)
    panel.controls['cdr'].value = 2
    assert panel.last_error == 'RuntimeError: engine down' and 'engine down' in panel.message.value

@needs_widgets
def test_widget_display():
    p = materials.explore(debounce=0)
    assert 'application/vnd.jupyter.widget-view+json' in p._repr_mimebundle_()
    assert p.controls['speed'].continuous_update is False

def test_cli_without_voila(monkeypatch, capsys):
    "`impac-materials explore` without the extra: exit status 2 and the extra named."
    from impac_research import reports
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, 'find_spec', lambda n, *a: None if n == 'voila' else real(n, *a))
    assert reports.main(['explore', '--port', '8999']) == 2
    assert 'pip install "impac_research[explore]"' in capsys.readouterr().err

@pytest.mark.skipif(importlib.util.find_spec('voila') is None or importlib.util.find_spec('websockets') is None,
                    reason='voila not installed: pip install "impac_research[explore]"')
def test_voila_page_in_chromium(tmp_path):
    "The Voilà page on localhost, driven in headless Chromium: the CDR slider moved by keyboard, the table follows."
    from impac_research import reports, explore
    chromium = reports.find_chromium()
    if chromium is None: pytest.skip("Chromium not installed (Debian's `chromium`): no browser test")
    sys.path.insert(0, str(ROOT / 'tests')); import voila_browser
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
    proc = explore.serve(port=port, wait=False, timeout=120)
    try:
        out = tmp_path / 'explore.png'
        before, after = asyncio.run(voila_browser.drive(f'http://127.0.0.1:{port}/?speed=150&cdr=7.5', str(out), chromium))
    finally:
        proc.terminate(); proc.wait(timeout=30)
    rows = lambda t: {l.split('\t')[0].lstrip('▶ '): l.split('\t')[1:] for l in t.splitlines() if '-' in l.split('\t')[0]}
    b, a = rows(before), rows(after)
    assert set(a) == {'1-A-1', '1-B-1', '2-A-1'} and b != a
    g = materials.scenario_grid(speed=(150,), cdr=(8.5,), severity=(0.3,), curve=('forward',)).set_index('bond')
    for bond in a:                                                  # the page shows the grid at 150% / 7.5 + 4 x 0.25 CDR
        assert a[bond][2] == f"{g.loc[bond, 'wal']:.2f}" and a[bond][7] == f"{g.loc[bond, 'cum_loss_pct']:.2f}"
    assert out.stat().st_size > 50_000
    if os.environ.get('IMPAC_UPDATE_SCREENSHOT') == '1': shutil.copy(out, ROOT / 'docs' / 'explore.png')
