"""Benchmark: one full `impac-materials` run (the whole computational materials: notebook, tables, JSON, HTML, PDF when
Chromium is present) on the embedded sample pool, as a user runs it from another folder.

Usage: python bench/bench_report.py [--runs 1] [--keep DIR] [-- extra impac-materials arguments]
Writes bench/results/report.json and prints the wall time of each run and of its stages. Target: <= 60 s on the 2-core
machine (issue 6 acceptance).
"""
import argparse, os, platform, re, shutil, statistics, subprocess, sys, tempfile, time
from pathlib import Path
from _common import write_result

HERE = Path(__file__).resolve().parent
TARGET_S = 60.0


def one_run(extra, keep=None):
    exe = shutil.which('impac-materials') or str(Path(sys.executable).parent / 'impac-materials')
    work = Path(tempfile.mkdtemp(prefix='bench-report-'))
    t0 = time.perf_counter()
    p = subprocess.Popen([exe, '--no-progress-bar', '--out', 'out', *extra], cwd=work, stderr=subprocess.PIPE, text=True)
    stages, last = [], t0
    for line in p.stderr:                       # progress messages, timed as they arrive
        now = time.perf_counter()
        if line.startswith('impac-materials:'):
            stages.append(dict(at_s=round(now - t0, 2), message=line.strip().removeprefix('impac-materials: ')))
        else: sys.stderr.write(line)
        last = now
    rc = p.wait()
    wall = time.perf_counter() - t0
    out = work / 'out'
    n_tables = len(list((out / 'tables').glob('*.csv'))) if out.is_dir() else 0
    pdf = (out / 'materials.pdf').is_file()
    if keep and out.is_dir():
        if Path(keep).exists(): shutil.rmtree(keep)
        shutil.move(str(out), keep)
    shutil.rmtree(work, ignore_errors=True)
    return dict(rc=rc, wall_s=round(wall, 2), tables=n_tables, pdf=pdf, stages=stages)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--runs', type=int, default=1)
    ap.add_argument('--keep', help='keep the last run\'s output folder here')
    ap.add_argument('extra', nargs='*', help='extra impac-materials arguments (after --)')
    args = ap.parse_args(argv)
    load0 = os.getloadavg()
    runs = [one_run(args.extra, args.keep if i == args.runs - 1 else None) for i in range(args.runs)]
    walls = [r['wall_s'] for r in runs]
    res = dict(benchmark='impac-materials full run (embedded sample pool)', target_s=TARGET_S, runs=runs,
               median_wall_s=statistics.median(walls), ok=all(r['rc'] == 0 for r in runs),
               within_target=statistics.median(walls) <= TARGET_S,
               machine=dict(cpus=os.cpu_count(), python=platform.python_version(), loadavg_before=[round(x, 2) for x in load0]),
               chromium=bool(shutil.which('chromium')))
    write_result('report', res, indent=1)
    for r in runs:
        print(f"run: exit {r['rc']}, {r['wall_s']:.1f} s wall, {r['tables']} tables, PDF {'yes' if r['pdf'] else 'no'}")
        for s in r['stages']: print(f"  {s['at_s']:7.2f} s  {s['message']}")
    print(f"median {res['median_wall_s']:.1f} s (target <= {TARGET_S:.0f} s): {'OK' if res['within_target'] else 'SLOW'}"
          f"; load average before {load0[0]:.2f}")
    return 0 if res['ok'] else 1


if __name__ == '__main__':
    sys.exit(main())
