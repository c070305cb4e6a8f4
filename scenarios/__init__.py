"""airbridge scenarios layer: from scenario files to a study's report.

Top of ``scenarios -> tracker -> radar``.  One subpackage ("room") per step of the pipeline
(``docs/architecture.md``):

* ``config/``      every TOML read: scenario, networks, threat, traffic, interceptors and options,
                   study files; ``airbridge scenario validate`` runs exactly these loaders.
* ``flights/``     who flies: drug-flight routing and generation, background traffic, trajectories,
                   the study window around the drug flights; their kernels.
* ``simulation/``  one simulated day: flights -> radars' plots (``radar.feeds``) and the files of
                   ``airbridge simulate``.
* ``engagement/``  from the air picture (``tracker.pictures``) to suspects, scrambles, intercepts and
                   outcomes; the night rule; their kernels.
* ``study/``       the Monte Carlo trade-off: spec, runner and executors, store, budget, scores, report.
* ``cli/``         one module per ``airbridge`` command: parse arguments, call the rooms, print.
* ``warmup.py``    explicit Numba warm-up and the compile notice (used by the CLI and the study).
"""
