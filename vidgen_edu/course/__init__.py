"""Running the course: notebooks executed with papermill, the course index, the student build.

- ``runner``: ``run_course(notebooks, out, profile=..., cwd=...)`` runs each notebook, measures its
  wall time and peak memory, writes the executed notebook, its HTML, ``index.html`` and
  ``report.json``.
- ``index``: the ``index.html`` page that links the notebooks and plays the videos they wrote.
- ``student``: ``build_student(notebooks_dir, out)`` replaces each solution by a stub.
"""

from .runner import NotebookResult, find_notebooks_dir, list_notebooks, run_course, select_notebooks
from .student import SolutionCellError, build_student, stub_source, student_notebook

__all__ = [
    "NotebookResult", "SolutionCellError", "build_student", "find_notebooks_dir", "list_notebooks",
    "run_course", "select_notebooks", "student_notebook", "stub_source",
]
