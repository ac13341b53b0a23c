"""The student build: solutions become stubs that raise, each exercise check then fails there, and
neither a solution's docstring nor an answer cell reaches the learner.

Checked on a fixture notebook the test writes and on every real notebook in ``notebooks/`` that
has solution cells (found when the tests are collected, so new notebooks are covered).
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from vidgen_edu.course.student import (
    STUB_LINE,
    AnswerCellError,
    SolutionCellError,
    build_student,
    is_solution,
    stub_source,
    student_notebook,
)
from vidgen_edu.exercises import ExerciseFailed, check
from vidgen_edu.exercises.core import run_cases

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

REGISTER_CELL = """\
from vidgen_edu.exercises import exercise, names

def _double_reference(x):
    return 2 * x

if "fixture_double" not in names():
    @exercise("fixture_double", reference=_double_reference, hint="multiply by two")
    def _cases(rng):
        for _ in range(3):
            yield (int(rng.integers(0, 10)),), {}
"""

SOLUTION_CELL = '''\
import functools  # a comment on an import survives

# a comment above the function survives
@functools.lru_cache(maxsize=None)
def double(x: int,
           scale: int = 2) -> int:
    """SECRET: return x times scale.

    A two-paragraph docstring states the solution: it goes with the body (SECRET).
    """
    # SECRET first step
    y = x * scale
    return y  # SECRET
    # SECRET trailing comment of the body


# a comment between functions survives
def only_doc():
    # SECRET comment above the docstring
    """SECRET: a function whose body is only its docstring."""


def one_liner(x): return x + 1  # SECRET
'''

CHECK_CELL = 'from vidgen_edu.exercises import check\ncheck("fixture_double", double)'

ANSWER_TEXT = "**Answer.** SECRET: doubling is multiplying by two."


def fixture_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    solution = nbformat.v4.new_code_cell(SOLUTION_CELL, metadata={"tags": ["solution"]})
    solution.outputs = [nbformat.v4.new_output("stream", name="stdout", text="SECRET output")]
    solution.execution_count = 7
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Exercises"),
        nbformat.v4.new_code_cell(
            'profile = "auto"\nout_dir = "build/notebook_out"', metadata={"tags": ["parameters"]}
        ),
        nbformat.v4.new_code_cell(REGISTER_CELL),
        solution,
        nbformat.v4.new_code_cell(CHECK_CELL),
        nbformat.v4.new_markdown_cell(ANSWER_TEXT, metadata={"tags": ["answer"]}),
        nbformat.v4.new_code_cell('print("after the exercise")'),
    ]
    return nb


# --------------------------------------------------------------------------- helpers


def top_level_functions(source: str) -> list[str]:
    return [
        n.name
        for n in ast.parse(source).body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]


def check_calls(nb) -> list[tuple[int, str, str]]:
    """(cell index, exercise name, function name) of every ``check("name", fn)`` in ``nb``."""
    calls = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue  # IPython magics: no check call in them
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and len(node.args) >= 2
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "check"
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[1], ast.Name)
            ):
                calls.append((index, node.args[0].value, node.args[1].id))
    return calls


def call_with_placeholders(fn):
    """Call ``fn`` with ``None`` for each required argument (a stub raises before using them)."""
    signature = inspect.signature(fn)
    args = [
        None
        for p in signature.parameters.values()
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    kwargs = {
        p.name: None
        for p in signature.parameters.values()
        if p.default is p.empty and p.kind is p.KEYWORD_ONLY
    }
    return fn(*args, **kwargs)


def run_imports(source: str, namespace: dict) -> None:
    """Run only the import statements of ``source`` (they may register exercises)."""
    imports = [n for n in ast.parse(source).body if isinstance(n, (ast.Import, ast.ImportFrom))]
    exec(
        compile(ast.Module(body=imports, type_ignores=[]), "<check cell imports>", "exec"),
        namespace,
    )


def exec_stubs(student) -> tuple[dict, list[str]]:
    """Run every stub cell of ``student`` in one namespace; return it and the functions defined."""
    namespace: dict = {"__name__": "student_notebook"}
    defined = []
    for cell in student.cells:
        if is_solution(cell):
            exec(compile(cell.source, "<stub cell>", "exec"), namespace)
            defined += top_level_functions(cell.source)
    return namespace, defined


def assert_stubs_raise_and_checks_fail(nb) -> int:
    """(a) every stub raises NotImplementedError; (b) every check on a stub fails informatively."""
    student = student_notebook(nb)
    namespace, defined = exec_stubs(student)
    assert defined, "no function in the solution cells"
    for name in defined:
        with pytest.raises(NotImplementedError, match="your code here"):
            call_with_placeholders(namespace[name])
    calls = check_calls(student)
    assert calls, "the solutions are never checked with vidgen_edu.exercises.check"
    for index in sorted({index for index, _, _ in calls}):
        run_imports(student.cells[index].source, namespace)  # e.g. the module registering them
    for _index, exercise_name, fn_name in calls:
        assert fn_name in namespace, (
            f"check({exercise_name!r}, {fn_name}) checks no solution function"
        )
        with pytest.raises(ExerciseFailed, match="not implemented") as failure:
            check(exercise_name, namespace[fn_name], quiet=True)
        assert "Hint:" in str(failure.value)
    return len(calls)


def assert_student_run_stops_at_first_check(nb, tmp_path: Path, cwd: Path) -> None:
    """(c) the student notebook runs (smoke) and fails exactly at its first exercise check."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    student = student_notebook(nb)
    first_check = min(index for index, _, _ in check_calls(student))
    path = tmp_path / "student.ipynb"
    nbformat.write(student, path)
    with pytest.raises(PapermillExecutionError) as failure:
        papermill.execute_notebook(
            str(path),
            str(tmp_path / "executed.ipynb"),
            kernel_name="python3",
            cwd=str(cwd),
            parameters={"profile": "smoke", "out_dir": str(tmp_path / "out")},
            progress_bar=False,
            log_output=False,
        )
    assert failure.value.ename == "ExerciseFailed", failure.value.evalue
    assert "not implemented" in failure.value.evalue
    assert failure.value.source == student.cells[first_check].source


# --------------------------------------------------------------------------- the fixture notebook


exec(compile(REGISTER_CELL, "<register cell>", "exec"), {})  # the fixture exercise, in this process


def test_fixture_solution_passes_its_own_check(capsys):
    namespace: dict = {}
    exec(compile(SOLUTION_CELL, "<solution>", "exec"), namespace)
    assert run_cases("fixture_double", namespace["double"]) == 3
    assert (
        check("fixture_double", namespace["double"]) is None
    )  # a cell ending in it shows no Out[n]
    assert capsys.readouterr().out == "fixture_double: all 3 cases pass\n"


def test_check_as_the_last_line_of_a_cell_shows_only_its_message(tmp_path):
    import papermill

    nbformat.write(fixture_notebook(), tmp_path / "source.ipynb")
    executed = papermill.execute_notebook(
        str(tmp_path / "source.ipynb"),
        str(tmp_path / "executed.ipynb"),
        kernel_name="python3",
        cwd=str(tmp_path),
        progress_bar=False,
        log_output=False,
    )
    outputs = next(c for c in executed.cells if c.source == CHECK_CELL).outputs
    assert [o.output_type for o in outputs] == ["stream"], outputs  # no execute_result
    assert outputs[0].text == "fixture_double: all 3 cases pass\n"


def test_stub_keeps_everything_but_the_bodies():
    stub = stub_source(SOLUTION_CELL)
    assert "SECRET" not in stub
    for kept in (
        "import functools  # a comment on an import survives",
        "# a comment above the function survives",
        "@functools.lru_cache(maxsize=None)",
        "def double(x: int,\n           scale: int = 2) -> int:\n    " + STUB_LINE + "\n\n\n#",
        "# a comment between functions survives",
        "def only_doc():\n    " + STUB_LINE + "\n",
        "def one_liner(x):\n    " + STUB_LINE,
    ):
        assert kept in stub, kept
    assert stub.count(STUB_LINE) == 3
    assert top_level_functions(stub) == ["double", "only_doc", "one_liner"]
    assert stub_source(stub) == stub  # stubbing a stub changes nothing


def test_async_and_nested_functions_are_stubbed_whole():
    source = "async def f(x):\n    def inner():\n        return 1\n    return inner()\n"
    stub = stub_source(source)
    assert stub == "async def f(x):\n    " + STUB_LINE + "\n"


@pytest.mark.parametrize(
    "source, stub",
    [
        ('def f(x): """SECRET"""\n', "def f(x):\n    " + STUB_LINE + "\n"),
        ('def f(x):\n    """SECRET"""; return x\n', "def f(x):\n    " + STUB_LINE + "\n"),
        (
            '@staticmethod\ndef f(\n    x,\n):\n    r"""SECRET\n    two lines"""\n\n    return x\n',
            "@staticmethod\ndef f(\n    x,\n):\n    " + STUB_LINE + "\n",
        ),
    ],
    ids=["one-line-def", "docstring-and-statement-on-a-line", "raw-docstring-after-signature"],
)
def test_the_docstring_goes_with_the_body(source, stub):
    assert stub_source(source) == stub


def test_answer_cells_are_dropped_and_every_other_cell_kept_in_order():
    nb = fixture_notebook()
    student = student_notebook(nb)
    assert [c.source for c in student.cells if not is_solution(c)] == [
        c.source
        for c in nb.cells
        if "answer" not in c.metadata.get("tags", []) and not is_solution(c)
    ]
    assert len(student.cells) == len(nb.cells) - 1  # the fixture has one answer cell
    assert ANSWER_TEXT not in nbformat.writes(student)


@pytest.mark.parametrize(
    "make_cell, error",
    [
        (
            lambda: nbformat.v4.new_markdown_cell("x", metadata={"tags": ["solution"]}),
            SolutionCellError,
        ),
        (
            lambda: nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["answer"]}),
            AnswerCellError,
        ),
    ],
    ids=["markdown-solution", "code-answer"],
)
def test_a_mistagged_cell_is_an_error_naming_notebook_and_cell(make_cell, error):
    nb = fixture_notebook()
    nb.cells.insert(1, make_cell())
    with pytest.raises(error, match=r"07_bad\.ipynb, cell 1: a (markdown|code) cell is tagged"):
        student_notebook(nb, name="07_bad.ipynb")


@pytest.mark.parametrize("bad", ["x = 1\n", "class A:\n    pass\n", "print('hi')\n", "%time 1\n"])
def test_solution_cell_with_other_code_is_an_error_naming_notebook_and_cell(bad, tmp_path):
    nb = fixture_notebook()
    nb.cells[3].source += bad
    (tmp_path / "notebooks").mkdir()
    nbformat.write(nb, tmp_path / "notebooks" / "07_bad.ipynb")
    with pytest.raises(SolutionCellError, match=r"07_bad\.ipynb, cell 3") as failure:
        build_student(tmp_path / "notebooks", tmp_path / "student", log=lambda *_: None)
    assert "only imports and function definitions" in str(failure.value)


def test_student_notebook_strips_outputs_and_keeps_the_tag():
    student = student_notebook(fixture_notebook())
    solutions = [c for c in student.cells if is_solution(c)]
    assert len(solutions) == 1  # the fixture has a solution cell: the test is not vacuous
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert fixture_notebook().cells[3].outputs, "the source notebook is left as it was"
    nbformat.validate(student)


def test_fixture_stubs_raise_and_checks_fail():
    assert assert_stubs_raise_and_checks_fail(fixture_notebook()) == 1


def test_fixture_student_notebook_stops_at_the_check(tmp_path):
    assert_student_run_stops_at_first_check(fixture_notebook(), tmp_path, cwd=tmp_path)


def test_student_command_writes_every_notebook(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nbformat.write(fixture_notebook(), notebooks / "02_fixture.ipynb")
    bad = fixture_notebook()
    bad.cells[3].source += "x = 1\n"
    run = [sys.executable, "-m", "vidgen_edu", "student", "--notebooks", str(notebooks)]
    proc = subprocess.run([*run, "--out", str(tmp_path / "s")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    written = nbformat.read(tmp_path / "s" / "02_fixture.ipynb", as_version=4)
    assert STUB_LINE in written.cells[3].source and "SECRET" not in nbformat.writes(written)
    nbformat.write(bad, notebooks / "03_bad.ipynb")
    proc = subprocess.run([*run, "--out", str(tmp_path / "t")], capture_output=True, text=True)
    assert proc.returncode == 2 and "03_bad.ipynb, cell 3" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def _student_cli(notebooks: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "vidgen_edu",
            "student",
            "--notebooks",
            str(notebooks),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )


def test_rebuild_keeps_a_changed_student_notebook_and_refreshes_the_others(tmp_path):
    notebooks, out = tmp_path / "notebooks", tmp_path / "student"
    notebooks.mkdir()
    for name in ("02_a.ipynb", "03_b.ipynb"):
        nbformat.write(fixture_notebook(), notebooks / name)
    assert _student_cli(notebooks, out).returncode == 0
    mine = nbformat.read(out / "02_a.ipynb", as_version=4)
    mine.cells[3].source = mine.cells[3].source.replace(STUB_LINE, "return 2 * x  # my answer")
    nbformat.write(mine, out / "02_a.ipynb")
    edited = (out / "02_a.ipynb").read_text()
    assert "my answer" in edited
    (out / "04_c.ipynb").write_text("a notebook of the learner's own, with the name of a new one")
    for name in ("02_a.ipynb", "03_b.ipynb", "04_c.ipynb"):  # the course changes
        nb = fixture_notebook()
        nb.cells[-1].source = 'print("a newer version")'
        nbformat.write(nb, notebooks / name)
    proc = _student_cli(notebooks, out)
    assert proc.returncode == 0, proc.stderr
    assert (out / "02_a.ipynb").read_text() == edited  # the learner's work is kept
    assert "a newer version" in (out / "03_b.ipynb").read_text()  # unchanged since built: refreshed
    assert (out / "04_c.ipynb").read_text().startswith("a notebook of the learner's own")
    kept = [line for line in proc.stdout.splitlines() if line.startswith("kept ")]
    assert len(kept) == 2 and "02_a.ipynb" in kept[0] and "04_c.ipynb" in kept[1], proc.stdout
    assert "delete or rename it" in kept[0] and "another --out" in kept[0]
    recorded = json.loads((out / ".vidgen-student.json").read_text())["files"]
    assert set(recorded) == {"02_a.ipynb", "03_b.ipynb"}


@pytest.mark.parametrize("out", ["notebooks", "notebooks/student", "."])
def test_student_out_in_or_around_the_notebooks_folder_is_refused(tmp_path, out):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nbformat.write(fixture_notebook(), notebooks / "02_fixture.ipynb")
    before = (notebooks / "02_fixture.ipynb").read_bytes()
    proc = _student_cli(notebooks, tmp_path / out)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "the notebooks folder" in proc.stderr and "--out build/student" in proc.stderr
    assert (notebooks / "02_fixture.ipynb").read_bytes() == before
    assert sorted(p.name for p in notebooks.iterdir()) == ["02_fixture.ipynb"]


# --------------------------------------------------------------------------- the real notebooks


def _real_notebooks_with_solutions() -> list:
    found = [
        p
        for p in sorted(NOTEBOOKS.glob("*.ipynb"))
        if any(is_solution(c) for c in nbformat.read(p, as_version=4).cells)
    ]
    # none found is a failure of the course (its exercises are missing), never a silent pass
    return [pytest.param(p, id=p.stem) for p in found] or [pytest.param(None, id="none-found")]


REAL = _real_notebooks_with_solutions()


def _read(path):
    assert path is not None, f"no notebook in {NOTEBOOKS} has a cell tagged 'solution'"
    return nbformat.read(path, as_version=4)


@pytest.mark.parametrize("path", REAL)
def test_real_notebook_stubs_raise_and_checks_fail(path):
    assert assert_stubs_raise_and_checks_fail(_read(path)) >= 1


@pytest.mark.slow
@pytest.mark.parametrize("path", REAL)
def test_real_student_notebook_runs_up_to_its_first_check(path, tmp_path, monkeypatch):
    nb = _read(path)
    monkeypatch.setenv("VIDGEN_EDU_PROFILE", "smoke")
    assert_student_run_stops_at_first_check(nb, tmp_path, cwd=path.parent)


# --------------------------------------------------------------------------- Binder


def test_binder_post_build_installs_the_package_then_builds_the_student_notebooks(tmp_path):
    """Run binder/postBuild in a copy of the repository's layout; pip is a shim that records."""
    repo = Path(__file__).resolve().parents[1]
    (tmp_path / "binder").mkdir()
    (tmp_path / "binder" / "postBuild").write_text((repo / "binder" / "postBuild").read_text())
    (tmp_path / "notebooks").mkdir()
    nbformat.write(fixture_notebook(), tmp_path / "notebooks" / "02_fixture.ipynb")
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "python").write_text(  # `python -m pip ...` is recorded; anything else runs for real
        '#!/usr/bin/env bash\nif [ "$1 $2" = "-m pip" ]; then echo "$PWD: $*" >> "$PIP_LOG"; '
        'exit 0; fi\n[ -f "$PIP_LOG" ] || { echo "run before the install" >&2; exit 3; }\n'
        f'exec {sys.executable} "$@"\n'
    )
    (shims / "python").chmod(0o755)
    env = {**os.environ, "PATH": f"{shims}{os.pathsep}{os.environ['PATH']}"}
    env["PIP_LOG"] = str(tmp_path / "pip.log")
    proc = subprocess.run(
        ["bash", str(tmp_path / "binder" / "postBuild")],  # from another folder: it finds the root
        cwd=tmp_path / "notebooks",
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    pip = (tmp_path / "pip.log").read_text()
    assert pip == f"{tmp_path}: -m pip install --no-deps --no-build-isolation -e .\n"
    student = nbformat.read(tmp_path / "student" / "02_fixture.ipynb", as_version=4)
    assert STUB_LINE in student.cells[3].source and "SECRET" not in nbformat.writes(student)
    assert (tmp_path / "student" / ".vidgen-student.json").exists()
