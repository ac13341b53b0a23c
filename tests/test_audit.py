"""Every bad input of ``audit_cases.CASES`` gets one clear line and the right exit status."""

from __future__ import annotations

import pytest
from audit_cases import CASES, build_fixtures, expand, judge

from vidgen_edu.cli import main


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    return build_fixtures(tmp_path_factory.mktemp("audit"))


@pytest.mark.parametrize("name,argv,status,phrases", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_one_clear_line(places, capsys, monkeypatch, name, argv, status, phrases):
    monkeypatch.delenv("VIDGEN_EDU_PROFILE", raising=False)  # it would override --profile
    got = main(expand(argv, places))
    err = capsys.readouterr().err
    assert judge(got, err, status, phrases) == "", err


def test_the_audit_covers_enough_cases():
    assert len(CASES) >= 40 and len({c[0] for c in CASES}) == len(CASES)
