"""Write the model's blind record: the 208 figures that were held out until the complete seed arrived, as commit
ee75638 (the last model that had not seen them) computes them, beside the published figure.

Run once, from a git worktree of that commit; never from a later model:

    git worktree add ../wt_ee75638 ee75638
    python tools/blind_record.py ../wt_ee75638 impac_research/data/published/blind_predictions.csv

The worktree's library computes the model column (in a subprocess with the worktree first on the import path); the
published column comes from this checkout's re-parsed data. Model figures are stored as the model prints them: DM in
bp, WAL and MDUR to 2 decimals, windows as 'M/YY', available rates rounded half up to 2 decimals, breakeven CDR and
cumulative loss to 2 decimals and the period as an integer.
"""
import csv, io, json, subprocess, sys
from pathlib import Path

COMMIT = 'ee75638'
ROWS = {'DM': 'dm', 'WAL': 'wal', 'MDUR': 'mdur', 'First Prin Pay': 'first_prin_pay', 'Last Prin Pay': 'last_prin_pay'}

MODEL = r'''
import json, subprocess, numpy as np
import impac_research, impac_research.materials as M
def half_up(x, d=2): return float(np.floor(x * 10**d + 0.5) / 10**d)
out = []
for bond in ('1-B-1', '2-A-1'):
    for h in ('call', 'maturity'):
        t = M.dm_table(bond, h)
        for row in t.index:
            for sp in t.columns:
                v = t.loc[row, sp]
                out.append(['dm', f'{bond} {h}', row, str(sp), v if isinstance(v, str) else float(v)])
s = M.available_rate_schedule(2)
for k in s.index:
    for col in ('forward', 'forward_plus_2000bp'): out.append(['available_rate', 'group 2', str(k), col, half_up(float(s.loc[k, col]))])
b = M.breakeven_table('1-B-1')
for (h, curve), r in b.iterrows():
    for col in ('cdr', 'cum_loss', 'period'): out.append(['breakeven', h, curve, col, float(r[col])])
print(json.dumps(dict(file=impac_research.__file__, rows=out)))
'''

def model_rows(worktree:Path) -> list:
    head = subprocess.run(['git', '-C', str(worktree), 'rev-parse', 'HEAD'], capture_output=True, text=True, check=True).stdout.strip()
    if not head.startswith(COMMIT): sys.exit(f"{worktree} is at {head}, not {COMMIT}")
    r = subprocess.run([sys.executable, '-c', MODEL], cwd=worktree, capture_output=True, text=True, check=True,
                       env={'PYTHONPATH': str(worktree.resolve()), 'PATH': '/usr/bin:/bin'})
    res = json.loads(r.stdout.strip().splitlines()[-1])
    if not Path(res['file']).resolve().is_relative_to(worktree.resolve()): sys.exit(f"imported {res['file']}, not the worktree's library")
    return head, res['rows']

def published_figure(table, key, row, col):
    from impac_research import published as P
    if table == 'dm':
        bond, h = key.split(); v = P.dm_table(bond, h).loc[float(col), ROWS[row]]
        return v if isinstance(v, str) else float(v)
    if table == 'available_rate': return float(P.available_rate_schedule(int(key.split()[1])).loc[int(row), col])
    fl = P.first_loss_table().set_index(['horizon', 'curve'])
    r = fl.loc[(key, {'forward': 'Forward', 'forward+150bp': 'Forward Plus 150bps'}[row])]
    return float(r[{'cdr': 'cdr', 'cum_loss': 'cumulative_loss', 'period': 'first_loss_period'}[col]])

def fmt(v): return v if isinstance(v, str) else f'{v:.10g}'

if __name__ == '__main__':
    worktree, dest = Path(sys.argv[1]), Path(sys.argv[2])
    head, rows = model_rows(worktree)
    buf = io.StringIO(); w = csv.writer(buf, lineterminator='\n')
    w.writerow(['commit', 'table', 'key', 'row', 'column', 'model', 'published'])
    for table, key, row, col, v in rows: w.writerow([head, table, key, row, col, fmt(v), fmt(published_figure(table, key, row, col))])
    if len(rows) != 208: sys.exit(f"{len(rows)} figures, expected 208")
    dest.write_text(buf.getvalue(), encoding='utf-8')
    print(f"wrote {len(rows)} figures of {head} to {dest}")
