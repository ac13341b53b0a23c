"""The exercise convention, checked on every notebook, and the student build that gives nothing away.

Every exercise opens with a markdown cell tagged ``exercise`` and exactly one kind tag
(``implement``, ``derive``, ``predict`` or ``diagnose``), headed ``### Exercise N (kind): title``
with the kind of its tag and N = 1, 2, ... in order. A notebook has at least six, at least two of
them derive/predict/diagnose (exercises that ask to reason, not only to code). An ``answer`` cell
(the answer to an open question, dropped from the student build) is markdown and belongs to an
exercise: it comes after one, before any later section heading.

The student build (``vidgen_edu.course.student``) of every notebook is then searched for what it
must not show: a line of a solution function's docstring or body, a line of an answer cell, or a
stub that is more than ``raise NotImplementedError(...)``. A hand-made notebook shows that both
checks can fail. Notebooks are found when the tests are collected, so a new one is covered.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from vidgen_edu.course.student import STUB_LINE, build_student, is_solution, student_notebook

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

KINDS = ("implement", "derive", "predict", "diagnose")
REASONING = ("derive", "predict", "diagnose")  # kinds that ask to reason, not only to code
MIN_EXERCISES = 6  # per notebook
MIN_REASONING = 2  # per notebook, of the kinds in REASONING
HEADING = re.compile(r"^### Exercise (\d+) \(([a-z]+)\): \S")
SECTION = re.compile(r"^#{1,3} ", re.M)  # a heading that ends an exercise (#### stays inside it)
TRIVIAL = 12  # lines shorter than this ("return x", "else:") prove nothing when they reappear


def tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


# --------------------------------------------------------------------------- the convention


def exercise_problems(nb) -> list[str]:
    """Every way ``nb`` breaks the exercise convention, one readable line each ([] when none)."""
    problems: list[str] = []
    kinds: list[str] = []  # the kind tag of each exercise, in order
    count = 0  # exercise cells so far
    in_exercise = False  # whether an answer cell here would belong to an exercise
    for index, cell in enumerate(nb.cells):
        kind_tags = [t for t in tags(cell) if t in KINDS]
        if "exercise" in tags(cell):
            count += 1
            problems += _exercise_cell_problems(index, cell, kind_tags, number=count)
            kinds += kind_tags[:1]
            in_exercise = True
            continue
        if kind_tags:
            problems.append(f"cell {index}: kind tag {kind_tags} on a cell not tagged 'exercise'")
        if "answer" in tags(cell):
            if cell.cell_type != "markdown":
                problems.append(f"cell {index}: an 'answer' cell must be markdown")
            if not in_exercise:
                problems.append(
                    f"cell {index}: an 'answer' cell that follows no exercise (none since the last "
                    "heading): open the question it answers as an exercise, or untag it"
                )
        elif cell.cell_type == "markdown" and SECTION.search(cell.source):
            in_exercise = False
    return problems + _count_problems(kinds)


def _exercise_cell_problems(index: int, cell, kind_tags: list[str], *, number: int) -> list[str]:
    """What is wrong with the cell that opens exercise ``number``."""
    where = f"cell {index} (exercise {number})"
    if cell.cell_type != "markdown":
        return [f"{where}: an 'exercise' cell must be markdown, not {cell.cell_type}"]
    if len(kind_tags) != 1:
        return [f"{where}: needs exactly one kind tag of {', '.join(KINDS)}; has {kind_tags}"]
    first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    match = HEADING.match(first_line)
    if not match:
        return [f"{where}: heading {first_line!r} is not '### Exercise N (kind): title'"]
    problems = []
    if match.group(2) != kind_tags[0]:
        problems.append(f"{where}: heading says {match.group(2)!r}, tag says {kind_tags[0]!r}")
    if int(match.group(1)) != number:
        problems.append(
            f"{where}: numbered {match.group(1)}, expected {number} (1, 2, ... in order)"
        )
    return problems


def _count_problems(kinds: list[str]) -> list[str]:
    reasoning = sum(kind in REASONING for kind in kinds)
    problems = []
    if len(kinds) < MIN_EXERCISES:
        problems.append(f"{len(kinds)} exercise(s) with a kind tag; at least {MIN_EXERCISES}")
    if reasoning < MIN_REASONING:
        problems.append(
            f"{reasoning} of kind {'/'.join(REASONING)}; at least {MIN_REASONING} ask to reason"
        )
    return problems


# --------------------------------------------------------------------------- what must not leak


def solution_lines(source: str) -> list[str]:
    """The stripped lines of every top-level function's docstring and body in ``source``."""
    lines = source.splitlines()
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0]
            body = lines[first.lineno - 1 : node.end_lineno]
            body[0] = body[0][first.col_offset :]  # a one-line def: only what follows the colon
            found += [line.strip() for line in body]
    return found


def stub_problems(student) -> list[str]:
    """Stub cells of ``student`` whose functions hold more than the stub line."""
    problems = []
    for index, cell in enumerate(student.cells):
        if not is_solution(cell):
            continue
        for node in ast.parse(cell.source).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = [ast.get_source_segment(cell.source, stmt) for stmt in node.body]
                if body != [STUB_LINE]:
                    problems.append(f"student cell {index}: {node.name}'s body is {body!r}")
    return problems


def leaks(instructor, student) -> list[str]:
    """Solution and answer lines of ``instructor`` that ``student`` shows, and non-stub stubs.

    A line counts only if it is not trivial (``TRIVIAL``) and does not also appear in a cell of the
    instructor's notebook that is neither a solution nor an answer (a formula shown in the text,
    an expression the notebook computes anyway).
    """

    def stripped(cells) -> set[str]:
        return {line.strip() for cell in cells for line in cell.source.splitlines()}

    shown = stripped(student.cells)
    public = stripped(c for c in instructor.cells if not is_solution(c) and "answer" not in tags(c))
    found = []
    for index, cell in enumerate(instructor.cells):
        if is_solution(cell):
            secret, what = solution_lines(cell.source), "solution"
        elif "answer" in tags(cell):
            secret, what = [line.strip() for line in cell.source.splitlines()], "answer"
        else:
            continue
        found += [
            f"{what} cell {index}: {line!r} is in the student notebook"
            for line in secret
            if len(line) >= TRIVIAL and line in shown and line not in public
        ]
    return found + stub_problems(student)


# --------------------------------------------------------------------------- a hand-made notebook


def _exercise(number: int, kind: str, task: str):
    return nbformat.v4.new_markdown_cell(
        f"### Exercise {number} ({kind}): {task}\n\nWrite `{task}(x)`; return a float.",
        metadata={"tags": ["exercise", kind]},
    )


def _solution(name: str, body: str):
    source = (
        f'def {name}(x):\n    """The instructor\'s note: {name} is {body}."""\n    return {body}\n'
    )
    return nbformat.v4.new_code_cell(source, metadata={"tags": ["solution"]})


ANSWER = "The derivative of x**3 is 3 * x**2, by the power rule."


def convention_notebook():
    """Six exercises (four implement, one derive with an answer, one predict), as the convention asks."""
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# A notebook\n\nThe text shows a line of a solution:\n\n```python\n"
            "return float(x) * 2.0 + 1.0\n```"
        ),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_markdown_cell("## Exercises"),
    ]
    bodies = ["float(x) * 2.0 + 1.0", "float(x) ** 2 - 7.5", "abs(float(x)) + 0.25", "x"]
    for number, body in enumerate(bodies, start=1):
        nb.cells += [_exercise(number, "implement", f"f{number}"), _solution(f"f{number}", body)]
        nb.cells.append(nbformat.v4.new_code_cell(f'check("f{number}", f{number})'))
    nb.cells += [
        _exercise(5, "derive", "cube_slope"),
        nbformat.v4.new_markdown_cell(ANSWER, metadata={"tags": ["answer"]}),
        _solution("cube_slope", "3 * float(x) ** 2"),
        _exercise(6, "predict", "guess"),
        nbformat.v4.new_code_cell(
            'def answer_guess():\n    return "b"\n', metadata={"tags": ["solution"]}
        ),
        nbformat.v4.new_markdown_cell("## What you learned\n\n- something"),
    ]
    return nb


def test_the_hand_made_notebook_follows_the_convention_and_its_build_leaks_nothing(tmp_path):
    nb = convention_notebook()
    assert exercise_problems(nb) == []
    (tmp_path / "notebooks").mkdir()
    nbformat.write(nb, tmp_path / "notebooks" / "09_made.ipynb")
    build_student(tmp_path / "notebooks", tmp_path / "student", log=lambda *_: None)
    student = nbformat.read(tmp_path / "student" / "09_made.ipynb", as_version=4)
    assert leaks(nb, student) == []


def test_the_leak_check_ignores_short_lines_and_lines_the_text_shows():
    nb = convention_notebook()
    unbuilt = nbformat.from_dict(nb)  # a "student" notebook that is the instructor's
    found = "\n".join(leaks(nb, unbuilt))
    assert "return float(x) ** 2 - 7.5" in found and ANSWER in found
    assert "return x" in solution_lines(nb.cells[13].source)
    assert "'return x' is in" not in found  # too short to prove anything
    assert "return float(x) * 2.0 + 1.0" in solution_lines(nb.cells[4].source)
    assert "'return float(x) * 2.0 + 1.0' is in" not in found  # the text shows it


def _broken(edit):
    nb = convention_notebook()
    edit(nb)
    return exercise_problems(nb)


def _cell(nb, number: int):
    """The cell that opens exercise ``number``."""
    return [c for c in nb.cells if "exercise" in tags(c)][number - 1]


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda nb: _cell(nb, 2).metadata.update(tags=["exercise"]), "exactly one kind tag"),
        (lambda nb: _cell(nb, 2).metadata["tags"].append("derive"), "exactly one kind tag"),
        (
            lambda nb: _cell(nb, 2).metadata.update(tags=["exercise", "predict"]),
            "tag says 'predict'",
        ),
        (
            lambda nb: setattr(_cell(nb, 3), "source", "### Exercise 3: no kind"),
            "is not '### Exercise N (kind): title'",
        ),
        (
            lambda nb: setattr(_cell(nb, 3), "source", "## Exercise 3 (implement): f3"),
            "is not '### Exercise N (kind): title'",
        ),
        (
            lambda nb: setattr(_cell(nb, 4), "source", "### Exercise 7 (implement): f4"),
            "numbered 7, expected 4",
        ),
        (lambda nb: nb.cells[1].metadata.update(tags=["implement"]), "not tagged 'exercise'"),
        (lambda nb: nb.cells.pop(3), "5 exercise(s)"),
        (lambda nb: _cell(nb, 6).metadata.update(tags=["exercise", "implement"]), "1 of kind"),
        (
            lambda nb: nb.cells.append(
                nbformat.v4.new_markdown_cell("x", metadata={"tags": ["answer"]})
            ),
            "follows no exercise",
        ),
        (
            lambda nb: nb.cells.insert(
                1, nbformat.v4.new_markdown_cell("x", metadata={"tags": ["answer"]})
            ),
            "follows no exercise",
        ),
        (
            lambda nb: setattr(nb.cells[16], "cell_type", "code"),
            "an 'answer' cell must be markdown",
        ),
    ],
    ids=[
        "no-kind-tag",
        "two-kind-tags",
        "heading-kind-differs",
        "heading-without-kind",
        "heading-level-2",
        "numbering",
        "kind-tag-without-exercise",
        "five-exercises",
        "one-reasoning-exercise",
        "answer-after-the-last-section",
        "answer-before-any-exercise",
        "answer-in-code",
    ],
)
def test_the_convention_check_can_fail(edit, expected):
    problems = _broken(edit)
    assert any(expected in p for p in problems), problems


def _old_build(nb):
    """The student build as it was: each stub kept its function's docstring."""
    student = student_notebook(nb)
    docstrings = {}
    for cell in filter(is_solution, nb.cells):
        function = ast.parse(cell.source).body[0]
        if ast.get_docstring(function):
            docstrings[function.name] = cell.source.splitlines()[function.body[0].lineno - 1]
    for cell in filter(is_solution, student.cells):
        name = ast.parse(cell.source).body[0].name
        if name in docstrings:
            cell.source = cell.source.replace("\n", "\n" + docstrings[name] + "\n", 1)
    return student


def _appended(student, cell):
    student.cells.append(cell)
    return student


def _answer_kept(student):
    """A student notebook whose last stub still returns the question's letter."""
    student.cells[-2].source = 'def answer_guess():\n    return "b"\n'
    return student


@pytest.mark.parametrize(
    "spoil, expected",
    [
        (_old_build, 'solution cell 4: \'"""The instructor\\\'s note: f1 is float(x)'),
        (
            lambda nb: _appended(student_notebook(nb), nbformat.v4.new_markdown_cell(ANSWER)),
            f"answer cell 16: {ANSWER!r} is in the student notebook",
        ),
        (
            lambda nb: _answer_kept(student_notebook(nb)),
            "answer_guess's body is ['return \"b\"']",
        ),
    ],
    ids=["docstring-survives", "answer-cell-survives", "short-answer-survives"],
)
def test_the_leak_check_can_fail(spoil, expected):
    nb = convention_notebook()
    found = leaks(nb, spoil(nb))
    assert any(expected in line for line in found), found


# --------------------------------------------------------------------------- the real notebooks


REAL = [pytest.param(p, id=p.stem) for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))]


def test_there_are_notebooks_to_check():
    assert REAL, f"no NN_topic.ipynb notebook in {NOTEBOOKS}"


@pytest.mark.parametrize("path", REAL)
def test_notebook_follows_the_exercise_convention(path):
    problems = exercise_problems(nbformat.read(path, as_version=4))
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("student")
    build_student(NOTEBOOKS, out, log=lambda *_: None)
    return out


@pytest.mark.parametrize("path", REAL)
def test_student_build_shows_no_solution_and_no_answer(path, student_dir):
    instructor = nbformat.read(path, as_version=4)
    student = nbformat.read(student_dir / path.name, as_version=4)
    found = leaks(instructor, student)
    assert not found, f"{path.name}:\n  " + "\n  ".join(found)
