"""The lock file and what is generated from it: environment.yml in step, every dependency locked, the
environment the tests run in installed from it."""
from __future__ import annotations

import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import environment_from_lock  # noqa: E402

LOCK_TEXT = (ROOT / "requirements.lock").read_text(encoding="utf-8")
PINS = environment_from_lock.locked_pins(LOCK_TEXT)


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_lock_parsed():
    names = {canonicalize_name(n) for n, _, _ in PINS}
    assert len(PINS) > 100 and len(names) == len(PINS)  # one version per package (fork strategy "fewest")
    assert {"pandas", "jieba", "rjieba", "pytest", "setuptools"} <= names


def test_every_pin_has_hashes():
    # each requirement line of the lock is followed by its --hash lines; pip --require-hashes needs them all
    blocks = re.split(r"\n(?=[A-Za-z0-9])", LOCK_TEXT.split("\n", 2)[2])
    assert len(blocks) == len(PINS)
    assert all("--hash=sha256:" in b for b in blocks)


def test_environment_yml_is_generated_from_the_lock():
    assert (ROOT / "environment.yml").read_text(encoding="utf-8") == environment_from_lock.render(LOCK_TEXT)


def test_render_pins_markers():
    text = "a-b==1.0 \\\n    --hash=sha256:00\nc==2 ; sys_platform == 'win32' \\\n    --hash=sha256:11\n"
    assert environment_from_lock.locked_pins(text) == [("a-b", "1.0", None), ("c", "2", "sys_platform == 'win32'")]
    assert "      - \"c==2 ; sys_platform == 'win32'\"\n" in environment_from_lock.render(text)


def test_lock_satisfies_pyproject():
    """Every runtime, dev and build requirement of pyproject.toml is in the lock at a version it allows:
    a dependency added to pyproject.toml without `make lock` fails here."""
    meta = _pyproject()
    reqs = [*meta["project"]["dependencies"], *meta["project"]["optional-dependencies"]["dev"],
            *meta["build-system"]["requires"]]
    locked = {canonicalize_name(n): v for n, v, _ in PINS}
    for r in map(Requirement, reqs):
        name = canonicalize_name(r.name)
        assert name in locked, f"{r.name} is not in requirements.lock: run `make lock`"
        assert r.specifier.contains(locked[name], prereleases=True), f"{r} but the lock has {locked[name]}"


def test_installed_versions_are_the_locked_ones():
    """The environment the tests run in is the locked one (`make setup` installs it from the lock)."""
    wrong = {n: (v, importlib.metadata.version(n)) for n, v, marker in PINS
             if (not marker or Marker(marker).evaluate()) and importlib.metadata.version(n) != v}
    assert wrong == {}  # name: (locked, installed)
