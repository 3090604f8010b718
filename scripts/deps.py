"""Print a dependency group of pyproject.toml (runtime, embedded, dev) for `make lock`."""

import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]
group = sys.argv[1] if len(sys.argv) > 1 else "runtime"
print(" ".join(project["dependencies"] if group == "runtime" else project["optional-dependencies"][group]))
