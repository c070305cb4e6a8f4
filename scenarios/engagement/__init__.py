"""From the air picture to outcomes: suspect classification, scrambles from finite base pools,
intercepts, identification and the outcome of every drug flight per option and picture.

``engagement`` (the public layer: inputs, evaluation of a day), ``table`` (the outcome table and the scores of
the engagements), ``truth`` (what the physics plays against: the true aircraft as kernel arrays, where Peru is, the
day adapter), ``sun`` (the night rule), ``outputs`` (the table and figures of ``simulate --engage``),
``_kernels`` (the engagement loop in Numba).
"""
