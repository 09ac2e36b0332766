"""Convert a percent-format script (`# %%` code cells, `# %% [markdown]` cells) into a clean notebook.

Authoring aid only: the notebook in nbs/ is the source that nbdev exports. Cell ids are deterministic
(derived from the notebook name and the cell position) so regenerating a notebook does not churn ids.
Usage: python tools/py2nb.py SRC.py DEST.ipynb      (and  python tools/py2nb.py --back NB.ipynb SRC.py)
"""
import hashlib, json, re, sys
from pathlib import Path
import nbformat

HDR = re.compile(r'^# %%(?P<md> \[markdown\])?(?P<rest>.*)$')

def py2nb(src, dest):
    text = Path(src).read_text(encoding='utf-8').splitlines()
    cells, cur = [], None
    for line in text:
        m = HDR.match(line)
        if m:
            if cur: cells.append(cur)
            tags = re.search(r'tags\s*=\s*(\[.*?\])', m['rest'])
            cur = dict(kind='markdown' if m['md'] else 'code', lines=[], tags=json.loads(tags[1]) if tags else [])
            continue
        if cur is None: cur = dict(kind='code', lines=[], tags=[])
        cur['lines'].append(line)
    if cur: cells.append(cur)
    nb = nbformat.v4.new_notebook()
    nb.metadata = {'kernelspec': {'display_name': 'python3', 'language': 'python', 'name': 'python3'}}
    stem = Path(dest).stem
    for i, c in enumerate(cells):
        lines = c['lines']
        while lines and not lines[-1].strip(): lines.pop()
        while lines and not lines[0].strip(): lines.pop(0)
        if c['kind'] == 'markdown':
            body = '\n'.join(l[2:] if l.startswith('# ') else l[1:] if l.startswith('#') else l for l in lines)
            cell = nbformat.v4.new_markdown_cell(body)
        else:
            cell = nbformat.v4.new_code_cell('\n'.join(lines))
        if not cell.source.strip(): continue
        cell['id'] = hashlib.sha1(f'{stem}-{i}'.encode()).hexdigest()[:8]
        if c['tags']: cell.metadata['tags'] = c['tags']
        nb.cells.append(cell)
    nbformat.write(nb, dest)

def nb2py(nbpath, dest):
    nb = nbformat.read(nbpath, as_version=4)
    out = []
    for c in nb.cells:
        tags = c.metadata.get('tags')
        t = f' tags={json.dumps(tags)}' if tags else ''
        if c.cell_type == 'markdown':
            out.append(f'# %% [markdown]{t}')
            out += ['# ' + l if l else '#' for l in c.source.splitlines()]
        else:
            out.append(f'# %%{t}')
            out += c.source.splitlines()
        out.append('')
    Path(dest).write_text('\n'.join(out) + '\n', encoding='utf-8')

if __name__ == '__main__':
    if sys.argv[1] == '--back': nb2py(sys.argv[2], sys.argv[3])
    else: py2nb(sys.argv[1], sys.argv[2])
