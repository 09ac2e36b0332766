"""Package metadata read from settings.ini (nbdev 2 ships no setup.py)."""
from configparser import ConfigParser
from pathlib import Path
import setuptools

cfg = ConfigParser(delimiters=['='])
cfg.read(Path(__file__).parent/'settings.ini', encoding='utf-8')
c = cfg['DEFAULT']

def _req(key): return c.get(key, '').split()

pkg_data = {c['lib_name']: _req('package_data')}
setuptools.setup(
    name=c['lib_name'], version=c['version'], description=c['description'],
    long_description=(Path(__file__).parent/'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    author=c['author'], author_email=c['author_email'], license='Apache-2.0',
    keywords=c['keywords'].split(), url=c['git_url'],
    classifiers=['Programming Language :: Python :: 3', 'License :: OSI Approved :: Apache Software License',
                 'Intended Audience :: Financial and Insurance Industry'],
    packages=setuptools.find_packages(include=[c['lib_name'], c['lib_name']+'.*']),
    package_data=pkg_data, include_package_data=True,
    python_requires='>=' + c['min_python'],
    install_requires=_req('requirements'),
    extras_require={'report': _req('report_requirements'), 'dev': _req('dev_requirements'),
                    'lab': _req('lab_requirements'), 'grid': _req('grid_requirements'),
                    'explore': _req('explore_requirements')},
    entry_points={'console_scripts': _req('console_scripts'), 'nbdev': [f"{c['lib_name']}={c['lib_name']}._modidx:d"]},
    zip_safe=False,
)
