"""One simulated day: flights -> radar states -> plots, and the files ``airbridge simulate`` writes.

``day`` (what every day of a network shares, and one day played through the feeds), ``outputs``
(flights, truth, plots and the map of ``simulate``).
"""
