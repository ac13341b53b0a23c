"""The student build: the course notebooks with every exercise solution replaced by a stub.

A code cell tagged ``solution`` holds only imports and function definitions. In the student build
each top-level function keeps its decorators and signature; its docstring and body become
``raise NotImplementedError("your code here")`` (an instructor's docstring often states the
solution, e.g. "(mu1 - mu2)^2 + var1 + var2 - 2 sqrt(var1 var2)", so the exercise's markdown
cell states the task). The cell after it, which calls
``vidgen_edu.exercises.check("name", fn)``, then fails with a message that says so and gives the
hint. A markdown cell tagged ``answer`` (the answer to an open question) is dropped. The exercise
is written once, with its solution, and the student version is generated from it (the
scikit-learn MOOC's practice). Outputs and execution counts are stripped.

The source is rewritten by line ranges taken from ``ast`` (not ``ast.unparse``), so everything
outside a function body (comments, blank lines, formatting) survives as the author wrote it.

A learner works in the student notebooks, so a rebuild never overwrites their work: the build
records the sha256 of each notebook it writes in ``OUT/.vidgen-student.json``, refreshes a
notebook only while it is still exactly what the build wrote, and keeps (and names) any other.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from vidgen_edu.course.outdir import Manifest, refuse_notebooks_folder, sha256_of
from vidgen_edu.errors import UsageError
from vidgen_edu.files import write_bytes_atomic

SOLUTION_TAG = "solution"
ANSWER_TAG = "answer"
STUB_LINE = 'raise NotImplementedError("your code here")'
MANIFEST = ".vidgen-student.json"  # {notebook: sha256 of what the build last wrote}


class SolutionCellError(UsageError):
    """A solution cell holds something other than imports and function definitions (exit 2)."""


class AnswerCellError(UsageError):
    """A cell tagged ``answer`` is not markdown, so the build cannot drop it safely (exit 2)."""


def stub_source(source: str, *, where: str = "a solution cell") -> str:
    """``source`` with the docstring and body of every top-level function replaced by the stub.

    ``where`` names the cell in error messages, e.g. ``"02_convolution.ipynb, cell 14"``.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise SolutionCellError(
            f"{where}: not valid Python ({err.msg}, line {err.lineno}); "
            "a solution cell holds only imports and function definitions"
        ) from None
    functions = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions.append(node)
        elif not isinstance(node, (ast.Import, ast.ImportFrom)):
            raise SolutionCellError(
                f"{where}: line {node.lineno} is a {type(node).__name__}; a solution cell may hold "
                "only imports and function definitions: move it to a cell without the 'solution' tag"
            )
    lines = source.splitlines(keepends=True)
    for function in reversed(functions):  # from the bottom, so earlier line numbers stay valid
        lines = _replace_body(lines, function)
    return "".join(lines)


def _replace_body(lines: list[str], function: ast.FunctionDef) -> list[str]:
    """``lines`` with ``function``'s docstring and body replaced by the stub.

    Comments inside the body go with it: they may explain the solution.
    """
    first = function.body[0]
    start_line, start_col = first.lineno, first.col_offset
    while start_line - 1 > function.lineno and _is_comment_or_blank(lines[start_line - 2]):
        start_line, start_col = start_line - 1, 0  # comments above the first statement
    end_line = _end_of_body(lines, function)
    head = "".join(lines[: start_line - 1]) + lines[start_line - 1][:start_col]
    last = head[head.rfind("\n") + 1 :]
    if last.strip():  # the stub cannot share that line (a one-line def)
        head = head.rstrip(" \t;") + "\n" + _body_indent(lines, function)
    elif not last:
        head += _body_indent(lines, function)
    tail = lines[end_line:]
    newline = "\n" if tail or lines[end_line - 1].endswith("\n") else ""
    return (head + STUB_LINE + newline + "".join(tail)).splitlines(keepends=True)


def _is_comment_or_blank(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith("#")


def _body_indent(lines: list[str], function: ast.FunctionDef) -> str:
    """The indentation of ``function``'s body: that of its first statement when on its own line."""
    first = function.body[0]
    line = lines[first.lineno - 1]
    if not line[: first.col_offset].strip():
        return line[: first.col_offset]
    return " " * (function.col_offset + 4)


def _end_of_body(lines: list[str], function: ast.FunctionDef) -> int:
    """The last line (1-based) of ``function``, including comment lines indented into its body."""
    end = function.end_lineno
    scan = end
    while scan < len(lines):
        text = lines[scan]
        if not text.strip():
            scan += 1
            continue
        indent = len(text) - len(text.lstrip())
        if text.lstrip().startswith("#") and indent > function.col_offset:
            end = scan = scan + 1  # a trailing comment of the body: part of the solution
            continue
        break
    return end


def is_solution(cell) -> bool:
    return cell.cell_type == "code" and SOLUTION_TAG in cell.metadata.get("tags", [])


def is_answer(cell) -> bool:
    return ANSWER_TAG in cell.metadata.get("tags", [])


def student_notebook(nb, *, name: str = "notebook"):
    """A copy of ``nb`` with solutions stubbed, answer cells dropped and all outputs stripped.

    A markdown cell tagged ``solution`` or a code cell tagged ``answer`` is an error: kept, it
    would show the learner the answer; dropped, it would break the notebook.
    """
    import nbformat  # here, not at the top: importing it takes seconds (jsonschema's formats)

    nb = nbformat.from_dict(nb)  # a deep copy
    for index, cell in enumerate(nb.cells):
        _refuse_mistagged(cell, where=f"{name}, cell {index}")
        if cell.cell_type != "code":
            continue
        if is_solution(cell):
            cell.source = stub_source(cell.source, where=f"{name}, cell {index}")
        cell.outputs = []
        cell.execution_count = None
        cell.metadata.pop("execution", None)  # timings papermill or JupyterLab may have left
    nb.cells = [cell for cell in nb.cells if not is_answer(cell)]
    return nb


def _refuse_mistagged(cell, *, where: str) -> None:
    """Raise if ``cell`` carries an exercise tag its type cannot honour."""
    tags = cell.metadata.get("tags", [])
    if SOLUTION_TAG in tags and cell.cell_type != "code":
        raise SolutionCellError(
            f"{where}: a {cell.cell_type} cell is tagged 'solution', which only code cells may be; "
            "tag a written answer 'answer' instead (the student build drops it)"
        )
    if ANSWER_TAG in tags and cell.cell_type != "markdown":
        raise AnswerCellError(
            f"{where}: a {cell.cell_type} cell is tagged 'answer', which only markdown cells may "
            "be; put code of the solution in a cell tagged 'solution' instead"
        )


@dataclass
class StudentBuild:
    """What ``build_student`` did: the notebooks it wrote and those it kept as they were."""

    written: list[Path] = field(default_factory=list)  # new, or refreshed (unchanged since written)
    kept: list[Path] = field(
        default_factory=list
    )  # changed since the build wrote them: not touched


def build_student(notebooks_dir: Path, out: Path, *, log=print) -> StudentBuild:
    """Write the student version of every ``*.ipynb`` in ``notebooks_dir`` into ``out``.

    A notebook already in ``out`` is replaced only if it is what the build wrote last (its sha256
    is in the manifest) or already equals the new version; any other is kept and reported.
    """
    import nbformat

    out = Path(out)
    refuse_notebooks_folder(out, notebooks_dir, example="build/student")
    manifest = Manifest(out, MANIFEST)
    build = StudentBuild()
    for source in sorted(Path(notebooks_dir).glob("*.ipynb")):
        instructor = nbformat.read(source, as_version=4)
        student = student_notebook(instructor, name=source.name)
        data = (nbformat.writes(student) + "\n").encode("utf-8")
        target = out / source.name
        if not _may_replace(target, manifest.files.get(source.name), data):
            build.kept.append(target)
            log(f"{source.name}: kept {target} as it is: it changed since the build wrote it")
            continue
        manifest.record(source.name, sha256_of(data))  # before writing, as outdir explains
        write_bytes_atomic(target, data)
        stubs = sum(is_solution(c) for c in student.cells)
        answers = len(instructor.cells) - len(student.cells)
        log(
            f"{source.name}: {stubs} solution cell(s) stubbed, {answers} answer(s) dropped -> {target}"
        )
        build.written.append(target)
    return build


def _may_replace(target: Path, recorded: str | None, new: bytes) -> bool:
    """Whether ``target`` may be overwritten: absent, as the build last wrote it, or equal to ``new``."""
    if not target.exists():
        return True
    current = sha256_of(target.read_bytes())
    return current == recorded or current == sha256_of(new)
