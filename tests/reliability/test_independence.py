"""reliability/ (outside monitoring/) imports no app and not the project package (ARCHITECTURE §1).

Apps register what they own (redrive handlers, health checks, metrics collectors); only
reliability/monitoring/, the dashboard, reads the other apps. Every import counts: at the top of a
module, inside a function (a lazy import), relative, or by dotted string (import_module, import_string).
"""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
RELIABILITY = ROOT / "reliability"
ALLOWED_INSIDE = {"reliability", "core"}
IMPORTERS_BY_STRING = {"import_module", "import_string", "__import__"}


def project_packages() -> set[str]:
    """Top-level packages of this repository's apps and the project package (the URLconf's)."""
    local = {
        config.name.split(".")[0] for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == ROOT  # this repository's apps, not those of a venv inside it
    }
    return local | {settings.ROOT_URLCONF.split(".")[0]}


def imported_modules(source: str, module: str) -> list[str]:
    """Every module a source file imports, relative imports resolved against ``module`` (dotted)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: -node.level]
                found.append(".".join([*base, node.module] if node.module else base))
            else:
                found.append(node.module)
        elif isinstance(node, ast.Call) and _called_name(node.func) in IMPORTERS_BY_STRING and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append(first.value)
    return found


def _called_name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def forbidden_imports(path: Path, forbidden: set[str]) -> list[str]:
    relative = path.relative_to(ROOT).as_posix()
    module = relative.removesuffix(".py").replace("/", ".")
    return [
        f"{relative}: {name}" for name in imported_modules(path.read_text(), module)
        if name.split(".")[0] in forbidden
    ]


def reliability_files() -> list[Path]:
    monitoring = RELIABILITY / "monitoring"
    return sorted(p for p in RELIABILITY.rglob("*.py") if not p.is_relative_to(monitoring))


def test_reliability_outside_monitoring_imports_no_app_and_not_the_project():
    forbidden = project_packages() - ALLOWED_INSIDE
    assert {"marketplace", "messaging", "djobea"} <= forbidden
    files = reliability_files()
    assert RELIABILITY / "health.py" in files and RELIABILITY / "metrics.py" in files
    offenders = [hit for path in files for hit in forbidden_imports(path, forbidden)]
    assert offenders == []


@pytest.mark.parametrize(
    "source",
    [
        "import messaging.models",
        "from marketplace.selectors import open_requests",
        "def f():\n    from messaging.selectors import outbox_backlog\n    return outbox_backlog()",
        "from ..djobea import settings",
        "from django.utils.module_loading import import_string\nHANDLER = import_string('messaging.outbox.x')",
        "import importlib\nm = importlib.import_module('marketplace')",
    ],
)
def test_the_walker_finds_every_kind_of_import(source):
    names = imported_modules(source, "reliability.health")
    assert any(name.split(".")[0] in {"messaging", "marketplace", "djobea"} for name in names), names


def test_apps_register_their_health_checks_and_metrics_collectors():
    """What reliability used to import itself now arrives through the registries, filled at startup."""
    from reliability.health import djobea_checks
    from reliability.metrics import _collectors

    assert "OutboxLag" in [check.__name__ for check in djobea_checks()]
    assert "outbox" in _collectors
