"""The dependency lists agree, Binder is configured, and the notebooks are committed clean.

pyproject.toml keeps lower bounds; constraints.txt pins what CI tests; environment.yml and
binder/environment.yml must pin the same versions, or a learner gets an untested combination.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def canonical(name: str) -> str:
    """A distribution name as PEP 503 compares it: lower case, runs of -_. as one dash."""
    return re.sub(r"[-_.]+", "-", name).lower()


def split_requirement(text: str) -> tuple[str, str, str]:
    """``"torch>=2.3"`` -> ``("torch", ">=", "2.3")``; the operator and version may be empty."""
    match = re.fullmatch(
        r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:(==|>=|~=|<=|>|<)\s*([^\s;,]+))?\s*(?:;.*)?",
        text,
    )
    assert match, f"cannot read the requirement {text!r}"
    return canonical(match.group(1)), match.group(2) or "", match.group(3) or ""


def version_tuple(version: str):
    try:
        from packaging.version import Version

        return Version(version)
    except ImportError:  # a plain comparison of the numeric parts
        return tuple(int(p) for p in re.findall(r"\d+", version))


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def runtime_requirements() -> list[tuple[str, str, str]]:
    return [split_requirement(r) for r in pyproject()["project"]["dependencies"]]


def all_requirements() -> list[tuple[str, str, str]]:
    extras = pyproject()["project"].get("optional-dependencies", {})
    return runtime_requirements() + [split_requirement(r) for r in extras.get("dev", [])]


def constraints() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, op, version = split_requirement(line)
            assert op == "==", f"constraints.txt: {line!r} is not an exact pin"
            assert name not in pins, f"constraints.txt pins {name} twice"
            pins[name] = version
    return pins


def conda_pip_pins(path: Path) -> dict[str, str]:
    """The ``name==version`` lines of the pip section of a conda environment file."""
    env = yaml.safe_load(path.read_text())
    pip_lists = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_lists) == 1, f"{path}: expected one pip section"
    pins = {}
    for item in pip_lists[0]:
        if item.startswith("-"):  # --extra-index-url, -e .
            continue
        name, op, version = split_requirement(item)
        assert op == "==", f"{path}: {item!r} is not an exact pin"
        pins[name] = version
    return pins


def test_every_dependency_has_an_exact_pin_in_constraints():
    pins = constraints()
    missing = [name for name, _, _ in all_requirements() if name not in pins]
    assert not missing, f"pyproject dependencies without a pin in constraints.txt: {missing}"
    unused = set(pins) - {name for name, _, _ in all_requirements()}
    assert not unused, f"constraints.txt pins packages pyproject does not name: {sorted(unused)}"


def test_pins_satisfy_the_lower_bounds():
    pins = constraints()
    for name, op, bound in all_requirements():
        assert op in (">=", ""), f"pyproject: {name}{op}{bound}: keep lower bounds only"
        if op and name in pins:  # a missing pin is the test above's failure
            assert version_tuple(pins[name]) >= version_tuple(bound), (
                f"{name}: {pins[name]} < {bound}"
            )


@pytest.mark.parametrize("env_file", ["environment.yml", "binder/environment.yml"])
def test_conda_environments_pin_the_constraints_versions(env_file):
    pins, env_pins = constraints(), conda_pip_pins(ROOT / env_file)
    for name, _, _ in runtime_requirements():
        assert env_pins.get(name) == pins[name], (
            f"{env_file}: {name}=={env_pins.get(name)}, constraints {pins[name]}"
        )
    for name, version in env_pins.items():
        assert pins.get(name) == version, (
            f"{env_file}: {name}=={version} differs from constraints.txt"
        )


def test_binder_uses_cpu_torch_installs_the_package_builds_the_student_version_and_limits_threads():
    env = (ROOT / "binder" / "environment.yml").read_text()
    assert "download.pytorch.org/whl/cpu" in env, "Binder must not pull CUDA torch"
    post_build = ROOT / "binder" / "postBuild"
    assert re.search(r"pip install .*-e \.\s*$", post_build.read_text(), re.M), (
        "postBuild installs the package"
    )
    after_install = post_build.read_text().split("pip install", 1)[1]
    assert re.search(r"^python -m vidgen_edu student .*--out student\s*$", after_install, re.M), (
        "postBuild then writes the student notebooks into student/ (tests/test_student.py runs it)"
    )
    start = (ROOT / "binder" / "start").read_text()
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        assert re.search(rf"\b{var}=1\b", start), f"binder/start does not limit {var}"
    assert "OMP_WAIT_POLICY" in start and "PASSIVE" in start, (
        "binder/start: OpenMP threads must sleep"
    )
    assert re.search(r'^exec "\$@"', start, re.M), "binder/start must end by running its arguments"
    for script in (post_build, ROOT / "binder" / "start"):
        assert script.stat().st_mode & 0o111, f"{script.name} must be executable"
        assert script.read_text().startswith("#!"), f"{script.name} needs a shebang line"


def test_every_notebook_is_committed_clean_with_a_parameters_cell():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks, "notebooks/ holds no notebook"
    problems = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        spec = nb.metadata.get("kernelspec", {})
        if spec.get("name") != "python3" or spec.get("language") != "python":
            problems.append(
                f"{path.name}: kernelspec {spec!r}, expected name python3, language python"
            )
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        if len(params) != 1 or not re.search(r'^profile = "auto"', params[0].source, re.M):
            problems.append(f'{path.name}: needs one cell tagged parameters with profile = "auto"')
        elif not re.search(r"^out_dir = ", params[0].source, re.M):
            problems.append(
                f"{path.name}: the parameters cell needs out_dir (the course runner sets it)"
            )
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
                problems.append(f"{path.name}: cell {index} has outputs or an execution count")
    assert not problems, "\n".join(problems)
