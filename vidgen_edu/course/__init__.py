"""Running the course: notebooks executed with papermill, the course pages, the student build.

- ``runner``: ``run_course(notebooks, out, profile=..., cwd=...)`` runs each notebook, measures its
  wall time and peak memory, writes the executed notebook, its HTML, ``index.html`` and
  ``report.json``.
- ``monitor``: the kernel's peak memory, and which cell is running (printed as it starts).
- ``index``: the notebook pages (titled, with a local MathJax) and ``index.html``, which links the
  notebooks and plays the videos they wrote.
- ``outdir``: the output folders: what a build wrote there (its manifest) and which it refuses.
- ``student``: ``build_student(notebooks_dir, out)`` replaces each solution by a stub.
"""

from .runner import (
    NotebookResult,
    check_out_folder,
    find_notebooks_dir,
    list_notebooks,
    run_course,
    select_notebooks,
)
from .student import SolutionCellError, StudentBuild, build_student, stub_source, student_notebook

__all__ = [
    "NotebookResult",
    "SolutionCellError",
    "StudentBuild",
    "build_student",
    "check_out_folder",
    "find_notebooks_dir",
    "list_notebooks",
    "run_course",
    "select_notebooks",
    "student_notebook",
    "stub_source",
]
