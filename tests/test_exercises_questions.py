"""Multiple-choice questions (``vidgen_edu.exercises.question``): predict and diagnose exercises.

A learner answers with ``def answer_NAME(): return "b"`` and ``check("NAME", answer_NAME)``. A right
letter prints ``NAME: right``; a wrong one fails with the hint and never with the right letter (the
message is the same whichever letter is right); anything but one of the options fails with the list
of options; the student build's stub (``NotImplementedError``) fails with the hint. Checked on two
questions registered here and on every question the course registers.
"""

from __future__ import annotations

import pytest

from vidgen_edu.course.student import stub_source
from vidgen_edu.exercises import ExerciseFailed, check, get, iter_exercises, names, question

HINT = "compare the two learning rates"

# the same question twice, with different right answers: a message that reveals the answer differs
if "test_question_b" not in names():
    question("test_question_b", answer="b", choices="abcd", hint=HINT)
    question("test_question_c", answer="c", choices="abcd", hint=HINT)


def answering(letter):
    return lambda: letter


@pytest.mark.parametrize("given", ["b", "B", " b\n"])
def test_the_right_letter_passes_and_says_right(given, capsys):
    assert check("test_question_b", answering(given)) is None
    assert capsys.readouterr().out == "test_question_b: right\n"


@pytest.mark.parametrize("wrong", ["a", "d"])
def test_a_wrong_letter_fails_with_the_hint_and_not_the_right_letter(wrong):
    messages = []
    for name in ("test_question_b", "test_question_c"):
        with pytest.raises(ExerciseFailed) as failure:
            check(name, answering(wrong), quiet=True)
        messages.append(str(failure.value).replace(name, "NAME"))
    assert messages[0] == messages[1]  # nothing in it depends on which letter is right
    assert f"not '{wrong}'" in messages[0] and f"Hint: {HINT}" in messages[0]
    for right in "bc":
        assert f"'{right}'" not in messages[0] and f'"{right}"' not in messages[0]


@pytest.mark.parametrize("invalid", ["e", "ab", "", 2, None, ["b"]])
def test_an_invalid_answer_fails_with_the_list_of_options(invalid):
    with pytest.raises(ExerciseFailed, match="answer with one letter of a, b, c, d") as failure:
        check("test_question_b", answering(invalid), quiet=True)
    assert repr(invalid) in str(failure.value)  # says what it got


def test_the_student_stub_fails_with_the_hint():
    namespace: dict = {}
    exec(stub_source('def answer_test():\n    return "b"\n'), namespace)
    with pytest.raises(ExerciseFailed) as failure:
        check("test_question_b", namespace["answer_test"], quiet=True)
    assert str(failure.value) == f"test_question_b: not implemented yet. Hint: {HINT}"


def test_a_question_whose_answer_is_not_an_option_is_refused():
    with pytest.raises(ValueError, match=r"answer 'e' is not one of 'abcd'"):
        question("test_question_bad", answer="e", choices="abcd", hint=HINT)
    assert "test_question_bad" not in names()


def test_a_question_name_registered_twice_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        question("test_question_b", answer="a", choices="abcd", hint=HINT)
    assert get("test_question_b").reference() == "b"  # the first registration stands


COURSE_QUESTIONS = [e.name for e in iter_exercises() if e.choices and e.name.startswith("nb")]


@pytest.mark.parametrize("name", COURSE_QUESTIONS or ["none-registered"])
def test_every_course_question_accepts_its_letter_and_never_tells_it(name, capsys):
    assert COURSE_QUESTIONS, "the course registers no question (names start with nbNN_)"
    right = get(name).reference()
    check(name, answering(right))
    assert capsys.readouterr().out == f"{name}: right\n"
    assert len(get(name).hint) > 0, "a wrong answer is told only the hint: it needs one"
    for wrong in sorted(set(get(name).choices) - {right}):
        with pytest.raises(ExerciseFailed) as failure:
            check(name, answering(wrong), quiet=True)
        assert f"'{right}'" not in str(failure.value).replace(get(name).hint, "")
