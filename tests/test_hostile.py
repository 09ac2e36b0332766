"""Hostile inputs (issue 13, item 7): tapes and parameters corrupted at random.

Every outcome is either a result or one clean `InputError` naming the field (and, for a tape, the row or line), never
another exception type, and nothing is written on an error. Entry points: `tape.read_tape` (the reader and every
column and cross rule), `materials.collateral_tables` / `collateral_summary` (the strats), `cashflows.rep_lines` and a
projection of the loans (the projection's own input checks), `reports.check_tape` and `reports.validate_params` (what
the command checks before it runs), and a few runs of the command itself with deliberately bad inputs.
"""
import contextlib, functools, io, os, re, subprocess, sys, tempfile
from pathlib import Path
import numpy as np, pandas as pd, pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

from impac_research import cashflows, materials, reports
from impac_research import tape as T
from impac_research.pool import sample_pool

COLUMNS = list(T.TAPE_COLUMNS)
EXAMPLES = int(os.environ.get('HOSTILE_EXAMPLES', 80))     # corrupted tapes per run (a longer hunt: set it higher)
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@functools.lru_cache(None)
def base_csv():
    "A small valid tape as CSV text: 24 loans of group 1 and 6 of group 2 from the sample pool."
    sp = sample_pool()
    t = pd.concat([sp[sp.group == 1].iloc[::50].head(24), sp[sp.group == 2].head(6)], ignore_index=True)
    with tempfile.TemporaryDirectory() as d:
        return T.write_tape(t, Path(d) / 't.csv').read_text(encoding='utf-8')


# --- corruptions -------------------------------------------------------------------------------------------------
JUNK = st.one_of(
    st.sampled_from(['', ' ', 'nan', 'NaN', 'NA', 'None', 'null', '-1', '-0.01', '0', '1e400', '-1e400', 'inf', '9' * 30,
                     '1,000', '$5', '12%', '3.5.1', '2003-02-30', '2003-13-01', '1899-12-31', '2099-01-01', '01/02/03',
                     'true', 'G1-0001', 'LIB3M', 'CMT1Y', '30Y LIB6M', '5/1 CMT1Y-IO 10Y', '\u00e9', '\u2013', '"', ',',
                     'a\nb', '0x10', '1_000', ' 5 ', '+7', '1e-300', '480', '481', '125', '850', '300', '0.5', '20', '25']),
    st.text(max_size=12),
    st.integers(-10**12, 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr))

def edges(c:T.Column) -> list:
    "Allowed values at the edges of a column's range (they pass the column's own check, and may break what follows)."
    if c.categories is not None: return [str(v) for v in c.categories]
    if c.pattern is not None: return ['30Y LIB1M', '1/29 LIB1Y', '99/99 CMT1Y-IO 10Y', '3/1 LIB6M-IO 1Y']
    if c.lo is None: return ['x', 'G1-0001']
    if c.dtype == 'date': return [c.lo.isoformat(), c.hi.isoformat(), '2003-01-01', '2003-02-01']
    return [repr(c.lo), repr(c.hi), repr((c.lo + c.hi) / 2)] if c.dtype == 'float' else [str(c.lo), str(c.hi)]

EDGE = st.sampled_from(COLUMNS).flatmap(lambda c: st.tuples(st.just(c), st.sampled_from(edges(T.TAPE_COLUMNS[c]))))

edge_ops = st.tuples(st.just('edge'), st.integers(0, 29), EDGE)
ops = st.one_of(
    st.tuples(st.just('cell'), st.integers(0, 29), st.sampled_from(COLUMNS), JUNK), edge_ops,
    st.tuples(st.just('drop'), st.sampled_from(COLUMNS)),
    st.tuples(st.just('dup_id'), st.integers(0, 29), st.integers(0, 29)),
    st.tuples(st.just('extra'), st.text(min_size=1, max_size=8), JUNK),
    st.tuples(st.just('rename'), st.sampled_from(COLUMNS), st.sampled_from(['upper', 'space', 'dup'])),
    st.tuples(st.just('rows'), st.sampled_from(['empty', 'one', 'group1', 'dup_row', 'blank_line'])))


def corrupt(csv_text:str, actions) -> pd.DataFrame:
    "The base tape (cells as text) with the actions applied."
    df = pd.read_csv(io.StringIO(csv_text), dtype=str, keep_default_na=False)
    for a in actions:
        df, kind = df.reset_index(drop=True), a[0]
        if kind == 'edge': kind, a = 'cell', (kind, a[1], *a[2])
        if kind == 'cell' and a[2] in df and a[1] < len(df): df.loc[a[1], a[2]] = a[3]
        elif kind == 'drop' and a[1] in df: df = df.drop(columns=a[1])
        elif kind == 'dup_id' and max(a[1], a[2]) < len(df): df.loc[a[1], 'loan_id'] = df.loc[a[2], 'loan_id'] if 'loan_id' in df else ''
        elif kind == 'extra': df[a[1]] = a[2]
        elif kind == 'rename' and a[1] in df:
            new = {'upper': a[1].upper(), 'space': f' {a[1]}', 'dup': 'coupon'}[a[2]]
            if new not in df or new == a[1]: df = df.rename(columns={a[1]: new})
        elif kind == 'rows':
            df = {'empty': df.iloc[:0], 'one': df.iloc[:1], 'group1': df[df.get('group', pd.Series(dtype=str)) == '1'] if 'group' in df else df,
                  'dup_row': pd.concat([df, df.iloc[:1]]), 'blank_line': pd.concat([df, pd.DataFrame([{c: '' for c in df}])])}[a[1]]
    return df.reset_index(drop=True)

ENCODINGS = st.sampled_from(['utf-8'] * 6 + ['utf-8-sig', 'crlf', 'latin-1', 'utf-16', 'cp1252', 'truncate', 'semicolon'])


def write(df:pd.DataFrame, path:Path, enc:str):
    text = df.to_csv(index=False, lineterminator='\n')
    if enc == 'crlf': data = text.replace('\n', '\r\n').encode()
    elif enc == 'semicolon': data = df.to_csv(index=False, sep=';').encode()
    elif enc == 'truncate': data = text.encode()[:max(1, len(text) * 2 // 3)]
    elif enc in ('latin-1', 'cp1252'): data = text.replace('CA', 'C\u00c9', 1).encode(enc, errors='replace')
    else: data = text.encode(enc, errors='surrogatepass')
    path.write_bytes(data)


NAMES_FIELD = re.compile(r"column '[^']*'|field '[^']*'|pool\.\w+|^tape: .*(line \d+|empty|UTF-16|not a file|does not exist|appears \d+ times|Parquet)"
                         r"""|^parameter (\w+|'[^']*'|"[^"]*"|-?\d+|None)"""
                         r"|^params file|^--out|^keys|^loan_count|^pool: no loans( in group \d)?")


def assert_clean(e:BaseException, n_rows:int=None):
    "One InputError whose message names the field (and the row or line where there is one)."
    assert type(e).__name__ in ('InputError', 'TapeError'), f'{type(e).__name__}: {e}'
    msg = str(e)
    assert NAMES_FIELD.search(msg), msg
    if isinstance(e, T.TapeError):
        assert set(e.problems.column) <= set(T.TAPE_COLUMNS), e.problems
        assert (e.problems.row >= -1).all() and (n_rows is None or (e.problems.row < max(n_rows, 1)).all()), e.problems
        assert (e.problems.row >= 0).all() or (e.problems.loc[e.problems.row < 0, 'value'].str.contains('missing column|no rows')).all()


def outcome(fn, *args, **kw):
    "fn's result, or None after checking that the exception is a clean InputError."
    try: return fn(*args, **kw)
    except Exception as e:
        assert_clean(e); return None


@settings(max_examples=EXAMPLES, **SETTINGS)
@given(actions=st.one_of(st.lists(edge_ops, min_size=1, max_size=3), st.lists(ops, min_size=1, max_size=4)), enc=ENCODINGS)
def test_corrupted_tape_is_a_result_or_one_clean_error(actions, enc):
    "Read, stratify, aggregate and project a corrupted tape: each step gives a result or one clean InputError."
    with tempfile.TemporaryDirectory() as d:
        d = Path(d); path = d / 'tape.csv'
        df = corrupt(base_csv(), actions); write(df, path, enc)
        before = sorted(os.listdir(d))
        try: t = T.read_tape(path)
        except Exception as e:
            assert_clean(e, path.read_bytes().count(b'\n') + path.read_bytes().count(b'\r')); t = None   # rows < lines
        event('tape refused' if t is None else 'tape read')
        if t is not None:
            assert len(t) >= 1 and t.loan_id.is_unique
            for g in (1, 2):
                outcome(materials.collateral_tables, g, pool=t)
                outcome(materials.collateral_summary, g, pool=t)
            lines = outcome(cashflows.rep_lines, t)
            if lines is not None: outcome(cashflows.project, lines, n=120)
            p = outcome(cashflows.project, t, n=120, speed=150, cdr=5, severity=0.4, lag=6)
            if p is not None:
                for g, f in p.items(): assert np.isfinite(f.drop(columns='date').to_numpy(float)).all(), g
            outcome(reports.check_tape, path)
        assert sorted(os.listdir(d)) == before                 # nothing written


OBJECTS = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=True, allow_infinity=True),
                    st.text(max_size=8), st.dates().map(pd.Timestamp), st.just(pd.NaT), st.just(b'\xff'), st.just([1]), st.just({}))


@settings(max_examples=EXAMPLES // 2, **SETTINGS)
@given(cells=st.lists(st.tuples(st.integers(0, 29), st.sampled_from(COLUMNS), OBJECTS), min_size=1, max_size=3),
       parquet=st.booleans())
def test_tape_frames_with_any_python_values(cells, parquet):
    "A DataFrame (or a Parquet file) holding any Python values: validate_tape, the strats and a projection."
    t = T.read_tape(_base_path())
    df = t.astype(object)
    for r, c, v in cells: df.at[r, c] = v
    if parquet:
        with tempfile.TemporaryDirectory() as d:
            try: df.to_parquet(Path(d) / 't.parquet')
            except Exception: return                        # pyarrow cannot store this mix: no file to read
            res = outcome(T.read_tape, Path(d) / 't.parquet')
    else: res = outcome(T.validate_tape, df)
    if res is not None:
        outcome(materials.collateral_summary, 1, pool=res)
        outcome(cashflows.project, res, n=60)


@functools.lru_cache(None)
def _base_path() -> Path:
    d = Path(tempfile.mkdtemp(prefix='hostile-')); (d / 't.csv').write_text(base_csv(), encoding='utf-8'); return d / 't.csv'


# --- parameters ------------------------------------------------------------------------------------------------
VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=True, allow_infinity=True),
              st.text(max_size=10), st.dates().map(str), st.sampled_from(['2003-02-30', '2003-01-30', 'forward', 'loans',
                                                                        'rep_lines', 'none', '/no/such.csv', '', '~nobody/x'])),
    lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(st.one_of(st.sampled_from(reports.BONDS), st.text(max_size=4)), c, max_size=3)),
    max_leaves=6)
NAMES = st.one_of(st.sampled_from(list(reports.default_params())), st.text(min_size=1, max_size=8), st.integers(), st.none())


@settings(max_examples=200, **SETTINGS)
@given(params=st.dictionaries(NAMES, VALUES, max_size=4))
def test_random_parameters_are_valid_or_one_clean_error(params):
    "validate_params: a normalised set, or one InputError naming a parameter."
    try: P = reports.validate_params(params)
    except Exception as e:
        assert_clean(e); assert str(e).startswith('parameter '), e
    else: assert set(P) == set(reports.default_params())


@settings(max_examples=150, **SETTINGS)
@given(name=st.sampled_from(list(reports.default_params())), text=st.text(max_size=20))
def test_command_line_values_never_raise(name, text):
    "A -p value is parsed as YAML or kept as text, then validated: never an exception but InputError."
    v = reports.parse_value(text)
    if name == 'output_dir': return
    try: reports.validate_params({name: v})
    except Exception as e: assert_clean(e)


# --- the command ------------------------------------------------------------------------------------------------
def run_main(argv, tmp:Path):
    "reports.main in-process: (status, stderr)."
    err = io.StringIO()
    with contextlib.redirect_stderr(err): rc = reports.main(['--out', str(tmp / 'out'), '--no-pdf', '--no-progress-bar', *argv])
    return rc, err.getvalue()


def bad_tapes(d:Path, base_csv:str) -> dict:
    "Deliberately bad tape files a new user may produce: name -> (path, what the message names)."
    header = base_csv.splitlines()[0]
    files = {'header_only.csv': (header + '\n').encode(), 'utf16.csv': base_csv.encode('utf-16'),
             'latin1.csv': base_csv.replace('CA', 'C\u00c9', 1).encode('latin-1'), 'empty.csv': b'',
             'coupon_text.csv': corrupt(base_csv, [('cell', 2, 'coupon', 'five')]).to_csv(index=False).encode()}
    for n, b in files.items(): (d / n).write_bytes(b)
    return {n: d / n for n in files}


@settings(max_examples=12, **SETTINGS)
@given(which=st.sampled_from(['header_only.csv', 'utf16.csv', 'latin1.csv', 'empty.csv', 'coupon_text.csv', 'missing.csv', 'folder']),
       param=st.sampled_from([[], ['-p', 'settlement_date', '2003-02-30'], ['-p', 'cdr', 'ten'], ['-p', 'lag', '.inf'],
                              ['-p', 'speeds', '[100, 100]'], ['-p', 'prices', '{1-A-1: .nan}']]))
def test_command_bad_inputs_exit_2_one_line_nothing_written(which, param):
    "The command in-process: status 2, one error line naming the field, no traceback, no output folder."
    with tempfile.TemporaryDirectory() as d:
        d = Path(d); tapes = bad_tapes(d, base_csv()); (d / 'folder').mkdir()
        path = tapes.get(which, d / which)
        before = sorted(os.listdir(d))
        rc, err = run_main(['--tape', str(path), *param], d)
        assert rc == 2, err
        errs = [l for l in err.splitlines() if l.startswith('impac-materials: error')]
        assert len(errs) == 1 and 'Traceback' not in err, err
        assert NAMES_FIELD.search(errs[0].removeprefix('impac-materials: error: ')), errs[0]
        assert sorted(os.listdir(d)) == before


CLI = [sys.executable, '-c', 'import sys; from impac_research.reports import main; sys.exit(main())']


@pytest.mark.parametrize('argv,msg', [
    (['-p', 'settlement_date', '2003-02-30'], "parameter settlement_date: '2003-02-30' is not allowed"),
    (['--tape', 'header_only.csv'], "column 'loan_id': no rows (a header only) -- allowed: at least one loan"),
    (['--tape', 'no_such_tape.csv'], "no_such_tape.csv' does not exist"),
    (['--tape', 'utf16.csv'], 'is UTF-16 text'),
])
def test_console_exit_2_one_line(tmp_path, argv, msg):
    "The real process: exit status 2, exactly one error line naming the field, no traceback, nothing written."
    bad_tapes(tmp_path, base_csv())
    before = sorted(os.listdir(tmp_path))
    r = subprocess.run(CLI + ['--out', 'out', '--no-pdf', *argv], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])))
    errs = [l for l in r.stderr.splitlines() if l.startswith('impac-materials: error')]
    assert r.returncode == 2 and len(errs) == 1 and msg in errs[0], r.stderr
    assert 'Traceback' not in r.stderr and r.stdout == ''
    assert sorted(os.listdir(tmp_path)) == before
