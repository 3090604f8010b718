"""Print a dependency group of pyproject.toml (runtime, embedded, dev) for `make lock`.

`deps.py constraints FREEZE` prints the lines of a `pip freeze` file that `make lock` uses
as constraints: every package at the version the development venv runs (the one the tests
ran against), except the direct runtime dependencies, whose pins in pyproject.toml win. So
a new lock changes only what pyproject.toml changed, not every transitive package that had
a release since, and requirements.lock and requirements-dev.lock never pin one package
twice at two versions.
"""

import re
import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]


def _name(requirement: str) -> str:
    """PEP 503 normalised name of a requirement or freeze line (`PyJWT[crypto]==2` -> `pyjwt`)."""
    return re.sub(r"[-_.]+", "-", re.split(r"[\[=<>!~; ]", requirement.strip(), maxsplit=1)[0]).lower()


def main(argv: list[str]) -> int:
    group = argv[1] if len(argv) > 1 else "runtime"
    if group == "constraints":
        direct = {_name(r) for r in project["dependencies"]}
        for line in Path(argv[2]).read_text().splitlines():
            if line.strip() and not line.startswith(("#", "-")) and "==" in line and _name(line) not in direct:
                print(line.strip())
        return 0
    print(" ".join(project["dependencies"] if group == "runtime" else project["optional-dependencies"][group]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
