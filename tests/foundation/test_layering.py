"""``security/`` is below every domain: it imports none of them (STYLE.md, issue #15).

The accounts domain hands security its callbacks at app start (``TokenSubjects``);
an import the other way would bring the old accounts ↔ security cycle back.
"""

from __future__ import annotations

import ast
from pathlib import Path

import empower_api

PACKAGE_ROOT = Path(empower_api.__file__).resolve().parent
SECURITY = PACKAGE_ROOT / "security"


def _domain_packages() -> set[str]:
    """Every sub-package of empower_api except security: accounts, jobs, savings, …"""
    return {path.parent.name for path in PACKAGE_ROOT.glob("*/__init__.py")
            if path.parent.name != "security"}


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """``(line, absolute module name)`` of every import in ``path``, type-checking ones too."""
    package = "empower_api.security"
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # ``from empower_api import accounts`` names the domain in the alias.
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def domain_imports(path: Path, domains: set[str]) -> list[str]:
    """The imports in ``path`` that reach into a domain package, as ``file:line module``."""
    return [f"{path.name}:{line} {module}" for line, module in _imported_modules(path)
            if module.split(".")[:1] == ["empower_api"]
            and len(module.split(".")) > 1 and module.split(".")[1] in domains]


def test_security_imports_no_domain_package() -> None:
    domains = _domain_packages()
    assert {"accounts", "jobs", "savings"} <= domains
    files = sorted(SECURITY.glob("*.py"))
    assert files
    offending = [hit for path in files for hit in domain_imports(path, domains)]
    assert offending == []


def test_the_walk_sees_absolute_relative_and_type_checking_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "import empower_api.jobs.models\n"
        "from ..accounts import service\n"
        "from empower_api import savings\n"
        "from empower_api.errors import problem\n"
        "if TYPE_CHECKING:\n"
        "    from empower_api.training.models import Course\n",
        encoding="utf-8")
    hits = domain_imports(sample, {"accounts", "jobs", "savings", "training"})
    assert hits == ["sample.py:2 empower_api.jobs.models",
                    "sample.py:3 empower_api.accounts",
                    "sample.py:3 empower_api.accounts.service",
                    "sample.py:4 empower_api.savings",
                    "sample.py:7 empower_api.training.models",
                    "sample.py:7 empower_api.training.models.Course"]
