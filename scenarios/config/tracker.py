"""Tracker files: the ``[tracker]`` table of ``airbridge track --tracker FILE`` (the same keys as a
scenario's ``[tracker]``: the fields of :class:`tracker.params.TrackerParams`)."""
from __future__ import annotations


def read_tracker_file(path) -> dict:
    """The ``[tracker]`` table of ``path`` as a dict (``{}`` when absent), its keys checked against
    :class:`tracker.params.TrackerParams` (values are validated by ``TrackerParams.from_table``)."""
    from dataclasses import fields

    from radar.errors import InputError
    from scenarios.config.schema import Table, read_toml
    from tracker.params import TrackerParams

    base = read_toml(path, what="a TOML file with a [tracker] table").get("tracker", {})
    if not isinstance(base, dict):
        raise InputError(f"{path}: tracker: expected a table [tracker]")
    Table(base, path, "tracker").check_keys([f.name for f in fields(TrackerParams)])
    return base
