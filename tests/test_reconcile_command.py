"""`manage.py reconcile --council SLUG [--plan SLUG] [--strict]`: each published total and
each difference, for scripts; bad arguments are a message and exit status 1."""
import io
import json

import pytest
from django.core.management import CommandError, call_command

from proposals.models import BudgetPlan
from proposals.money import format_m, parse_m
from proposals.seed import FIXTURES_DIR

from .conftest import db_snapshot
from .test_demo_users import development_env_without_debug
from .test_security_headers import manage

CWAC = json.loads((FIXTURES_DIR / "cheshire-west-and-chester-2016-20.json").read_text(encoding="utf-8"))


def run(*args):
    out = io.StringIO()
    call_command("reconcile", *args, stdout=out)
    return out.getvalue()


def test_prints_each_total_and_names_each_difference(cwac_plan):
    output = run("--council", "cheshire-west-and-chester")
    assert output.startswith("Cheshire West and Chester Council: Commissioning intentions 2016 to 2020 (2016-20)")
    assert "6 of 12 published totals agree with the lines; 6 differ; 0 cannot be checked." in output
    for code, total in CWAC["published_totals"].items():
        assert f"Outcome {code} TOTAL: agrees\n" in output
        assert f"  by 2020 (2019/20): printed {total}, lines {total}: agrees\n" in output
    differences = output.split("Differences (6):\n")[1]
    for code, periods in CWAC["published_profiles"].items():
        assert f"Outcome {code} profile: net: agrees\n" in output
        for measure in ("investment", "saving"):
            printed = sum(parse_m(amounts[measure]) for amounts in periods.values())
            line = next(line for line in differences.splitlines() if f"Outcome {code} profile: {measure}," in line)
            assert line.startswith(f"  Outcome {code} profile: {measure}, 2016/17 to 2019/20 (the periods together): "
                                   f"printed {format_m(printed)}, lines ")
            assert "differs by " in line and not line.endswith("differs by 0.000")
            for period, amounts in periods.items():
                assert f"  {period}{'' if period == '2016/17' else ' (2017/18 to 2019/20)'}: printed " \
                       f"{amounts[measure]}, lines –: cannot be checked" in output


def test_strict_exits_2_on_a_difference_after_printing(cwac_plan):
    out = io.StringIO()
    with pytest.raises(CommandError, match="6 of 12 published totals differ from their lines") as raised:
        call_command("reconcile", "--council", "cheshire-west-and-chester", "--strict", stdout=out)
    assert raised.value.returncode == 2
    assert "Differences (6):" in out.getvalue()


def test_strict_exits_0_when_nothing_differs(ce_plan):
    assert "No published totals are kept for this plan." in run("--council", "cheshire-east", "--strict")


def test_the_plan_defaults_to_the_councils_newest(cwac_plan):
    BudgetPlan.objects.create(council=cwac_plan.council, slug="2020-24", name="Next round", base_year=2019)
    assert run("--council", "cheshire-west-and-chester").startswith(
        "Cheshire West and Chester Council: Next round (2020-24)")
    assert "6 of 12" in run("--council", "cheshire-west-and-chester", "--plan", "2016-20")


@pytest.mark.parametrize("args, message", [
    (["--council", "nowhere"], "No council 'nowhere'. Councils: cheshire-east, cheshire-west-and-chester."),
    (["--council", "cheshire-east", "--plan", "2001-04"],
     "No plan '2001-04' for Cheshire East Council. Plans: 2019-22."),
])
def test_bad_arguments_are_a_message_and_change_nothing(seed, args, message):
    before = db_snapshot()
    with pytest.raises(CommandError) as raised:
        run(*args)
    assert str(raised.value) == message and raised.value.returncode == 1
    assert db_snapshot() == before


def test_exit_statuses_from_a_shell(tmp_path):
    env = development_env_without_debug(tmp_path)
    assert manage("migrate", "--noinput", env=env).returncode == 0
    assert manage("seed_demo", env=env).returncode == 0
    plain = manage("reconcile", "--council", "cheshire-west-and-chester", env=env)
    assert (plain.returncode, plain.stderr) == (0, "")
    assert "Differences (6):" in plain.stdout
    strict = manage("reconcile", "--council", "cheshire-west-and-chester", "--strict", env=env)
    assert strict.returncode == 2 and "6 of 12 published totals differ from their lines" in strict.stderr
    bad = manage("reconcile", "--council", "nowhere", env=env)
    assert (bad.returncode, bad.stdout) == (1, "")
    assert "No council 'nowhere'" in bad.stderr
