"""Write environment.yml from requirements.lock, so conda users get exactly the locked versions.

    python tools/environment_from_lock.py            # rewrite environment.yml (`make lock` runs it)
    python tools/environment_from_lock.py --check    # exit 1 if environment.yml is not what the lock gives

Every locked package is installed by pip inside the conda environment, pinned to the lock's version: the same
wheels as `make setup` (conda-forge builds of the same version are other binaries; hashes stay in the lock, since
conda's pip section cannot mix hashed and editable requirements).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
ENV = ROOT / "environment.yml"
# `name==version` at the start of a requirement line, with the environment marker (if any) after ` ; `
_PIN_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def locked_pins(lock_text: str) -> list[tuple[str, str, str | None]]:
    """(name, version, marker or None) of every package in a `uv pip compile` lock, in the lock's order."""
    return [(m[1], m[2], m[3]) for line in lock_text.splitlines() if (m := _PIN_RE.match(line))]


def render(lock_text: str) -> str:
    """The text of environment.yml for a lock's contents."""
    lines = [
        "# GENERATED from requirements.lock by tools/environment_from_lock.py (`make lock`): do not edit by hand.",
        "# conda env create -f environment.yml && conda activate ipm-analysis",
        "# Every package comes from pip at the locked version (the same wheels as `make setup`).",
        "name: ipm-analysis",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python=3.11",
        "  - pip",
        "  - pip:",
    ]
    for name, version, marker in locked_pins(lock_text):
        req = f"{name}=={version}" + (f" ; {marker}" if marker else "")
        lines.append(f'      - "{req}"')
    lines.append("      - -e .")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    want = render(LOCK.read_text(encoding="utf-8"))
    if "--check" in argv:
        if ENV.read_text(encoding="utf-8") != want:
            print("environment.yml is out of step with requirements.lock: run `make lock`", file=sys.stderr)
            return 1
        return 0
    ENV.write_text(want, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
