"""The Monte Carlo trade-off: networks x pictures x options over many simulated days.

``spec`` (what a study computes, its columns and checks), ``runner`` (days in chunks on an
executor, resumable), ``store`` (the SQLite results store), ``budget`` (cost estimate before a
run), ``scores`` (rates, intervals, paired differences), ``report`` (exports, tables and figures
rendered from the store; it never imports the runner), ``knobs``, ``sensitivity`` and ``sensitivity_report``
(``airbridge sensitivity``: the values it swings, its designs run through the runner, their outputs).
"""
