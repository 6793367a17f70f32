"""The layer rules of DESIGN.md §2, checked on every run: import-linter contracts, plus the rule that a
capability imports another capability only through its public commands/events/queries and only if declared."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from smartcustoms.bootstrap import INSTALLED, load_capabilities

SRC = Path(__file__).resolve().parents[2] / "src" / "smartcustoms"
PUBLIC = {"commands", "events", "queries"}


def test_import_linter_contracts_hold() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports), "--no-cache"], capture_output=True, text=True,
                            cwd=SRC.parents[1])
    assert result.returncode == 0, result.stdout + result.stderr


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_capabilities_import_each_other_only_through_declared_public_modules() -> None:
    declared = {cap.name: set(cap.depends_on) for cap in load_capabilities(INSTALLED)}
    problems = []
    for cap_dir in sorted(p for p in (SRC / "capabilities").iterdir() if p.is_dir() and p.name != "__pycache__"):
        for path in cap_dir.rglob("*.py"):
            for name in _imports(path):
                parts = name.split(".")
                if parts[:2] != ["smartcustoms", "capabilities"] or len(parts) < 3 or parts[2] == cap_dir.name:
                    continue
                other, module = parts[2], parts[3] if len(parts) > 3 else ""
                if other not in declared.get(cap_dir.name, set()) or module not in PUBLIC:
                    problems.append(f"{path.relative_to(SRC)} imports {name}")
    assert not problems, "undeclared or non-public cross-capability imports:\n" + "\n".join(problems)


def test_every_capability_has_a_glossary_docstring_and_no_imports_in_init() -> None:
    for name in INSTALLED:
        init = SRC / "capabilities" / name / "__init__.py"
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{name}: __init__.py needs the glossary docstring"
        assert not [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)], f"{name}: no imports"
        assert "↔" in (ast.get_docstring(tree) or ""), f"{name}: glossary maps 中文 ↔ English ↔ class"


def test_migration_versions_import_only_alembic_and_sqlalchemy() -> None:
    for path in (SRC / "migrations" / "versions").glob("*.py"):
        for name in _imports(path):
            assert name.split(".")[0] in {"alembic", "sqlalchemy", "__future__"}, f"{path.name} imports {name}"
