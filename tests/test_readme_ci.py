"""The README's test set-up and continuous integration's are the same words."""
from __future__ import annotations

import os
import re
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _read(*parts: str) -> str:
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as handle:
        return handle.read()


def test_ci_installs_word_for_word_as_the_readme_says_and_runs_the_example_plugins_tests():
    readme = _read("README.md").split("## Run the tests", 1)[1]
    command = re.search(r"```sh\n(python3 -m venv \.venv) && (\.venv/bin/pip install [^\n]*?) && "
                        r"(\.venv/bin/python -m pytest)\n", readme)
    assert command, "the README's test command"
    ci = _read(".ci", "run").splitlines()
    assert command.group(1) in ci and command.group(2) in ci
    assert "-e examples/duban-hotline" in command.group(2)
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as handle:
        testpaths = tomllib.load(handle)["tool"]["pytest"]["ini_options"]["testpaths"]
    assert "examples/duban-hotline/tests" in testpaths
