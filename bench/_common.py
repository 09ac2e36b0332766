"""Shared by the benchmark scripts: the machine facts recorded with every result, and the results writer."""
import json, os, platform
from pathlib import Path
import numpy as np

RESULTS = Path(__file__).resolve().parent / 'results'

def machine(load0) -> dict:
    "Cores, versions and the 1-minute load average before (`load0`, from os.getloadavg()) and after the run."
    return {'cores': os.cpu_count(), 'python': platform.python_version(), 'numpy': np.__version__,
            'loadavg_1m_before': round(load0[0], 2), 'loadavg_1m_after': round(os.getloadavg()[0], 2)}

def write_result(name:str, obj:dict, indent:int=2) -> Path:
    "Write `obj` as bench/results/<name>.json (sorted keys, so reruns diff cleanly)."
    RESULTS.mkdir(exist_ok=True)
    p = RESULTS / f'{name}.json'
    p.write_text(json.dumps(obj, indent=indent, sort_keys=True) + '\n')
    return p
