"""Every option that takes a value takes one that starts with a minus sign (a negative number or list)."""
import argparse

import pytest

from scenarios.cli import build_parser


def _value_options(parser, path=()):
    """(subcommand path, option string, action) for every option taking one value, through every subparser."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _value_options(sub, path + (name,))
        elif action.option_strings and action.nargs is None and not isinstance(action, argparse._HelpAction):
            yield path, action.option_strings[-1], action


OPTIONS = list(_value_options(build_parser()))


def test_the_walk_finds_the_list_options():
    found = {(p, o) for p, o, _ in OPTIONS}
    for expected in [(("terrain", "import"), "--bbox"), (("coverage",), "--agl"), (("coverage",), "--msl"),
                     (("tradeoff",), "--networks"), (("simulate",), "--background-window"), ((), "--threads")]:
        assert expected in found
    assert len(OPTIONS) > 40


@pytest.mark.parametrize("value", ["-12.8,-12.2,-69.8,-69.2", "-1e3", "-.5", "-3"])
def test_a_value_starting_with_a_minus_is_never_taken_for_an_option(value, capsys):
    """Parse each option with the value; argparse must not say the option is missing its argument."""
    for path, option, action in OPTIONS:
        argv = [*path, option, value] if path else [option, value, "scenario", "list"]
        try:
            args = build_parser().parse_args(argv)
        except SystemExit:
            err = capsys.readouterr().err
            assert "expected one argument" not in err, (argv, err)
            # what may still be said: the option's own range or type ("--x 'value': expected ..."), a choice,
            # or a required argument of the subcommand -- always naming the option with this value
            assert err.count("\n") == 1, (argv, err)
            assert f"{option} {value!r}" in err or f"{option} {value}:" in err or any(s in err for s in ("invalid", "required", "unrecognized")), (argv, err)
            continue
        if action.type is None and action.choices is None:
            assert getattr(args, action.dest) == value, argv


def test_negative_lists_reach_the_commands(cli, tmp_path):
    code, out, err = cli("coverage", "--agl", "-300,150", "--out", tmp_path / "c")
    assert code == 2 and "--agl '-300,150': -300 must be a height in metres in [0, 30000)" in err
    code, out, err = cli("coverage", "--msl", "-1e3", "--out", tmp_path / "c")
    assert code == 2 and "--msl '-1e3'" in err
