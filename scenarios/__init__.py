"""airbridge scenarios layer: scenario files, flights and traffic, interceptors, engagement, studies and the CLI.

Top of ``scenarios -> tracker -> radar``.
"""
