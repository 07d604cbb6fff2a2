"""The README's "How it works" names every module of the package with its one job."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import PROJECT


def named_modules(readme: str) -> set[str]:
    section = readme.split("## How it works\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z0-9_/]+\.py)` \| \S", section, flags=re.M))


def package_modules(package: Path) -> set[str]:
    return {
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "__init__.py" and "starter" not in path.relative_to(package).parts[:-1]
    }


def test_every_module_is_named_in_how_it_works() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    named, real = named_modules(readme), package_modules(PROJECT / "handouts")
    assert real - named == set(), "name these modules in the README's 'How it works'"
    assert named - real == set(), "these modules named in 'How it works' no longer exist"


def test_the_check_can_fail(tmp_path: Path) -> None:
    (tmp_path / "desk").mkdir()
    for name in ("one.py", "desk/two.py", "__init__.py"):
        (tmp_path / name).write_text("", encoding="utf-8")
    readme = "## How it works\n\n| `one.py` | a job |\n\n## Next\n| `desk/two.py` | x |\n"
    assert package_modules(tmp_path) - named_modules(readme) == {"desk/two.py"}
