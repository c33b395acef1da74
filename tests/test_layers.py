"""The package's layering: no module imports from a layer above its own.

The layers, bottom up, follow the data flow (README "How it works"): the contracts and helpers
every layer shares; pure extraction; portal data; platform adapters; the store; the crawl; the
monitoring that reads a crawl's counters; the feeds built from the store; the pages beside
them; and on top the jobs, the CLI and the demo that tie layers together. A module may import
its own layer and any layer below. Every import counts, also one inside a function or under
``TYPE_CHECKING``: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import newsfeed

PACKAGE = Path(newsfeed.__file__).parent

LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "newsfeed",
        "newsfeed.__init__",
        "newsfeed.items",
        "newsfeed.timezone",
        "newsfeed.files",
        "newsfeed.config",
    ),
    ("newsfeed.extraction",),
    ("newsfeed.portals",),
    ("newsfeed.platforms",),
    ("newsfeed.store",),
    ("newsfeed.crawl",),
    ("newsfeed.monitor",),
    ("newsfeed.feeds",),
    ("newsfeed.web",),
    (
        "newsfeed.jobs",
        "newsfeed.fleet",
        "newsfeed.fixtures",
        "newsfeed.probing",
        "newsfeed.cli",
        "newsfeed.__main__",
        "newsfeed.demo",
    ),
)
"""Bottom up. A name covers the module and everything under it."""

FORBIDDEN: tuple[tuple[str, str, str], ...] = (
    (
        "newsfeed.crawl.pipelines",
        "newsfeed.crawl.spiders",
        "the pipelines take items and counters from newsfeed.items and newsfeed.crawl.stats",
    ),
)
"""Imports inside one layer that still go the wrong way: (importer, imported, why)."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> int:
    best, rank = -1, -1
    for index, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, rank = len(name), index
    return rank


def imports_in(source: str, module: str, *, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, module) of every ``newsfeed`` import in ``source``, relative ones resolved."""
    package = module if is_package else module.rsplit(".", 1)[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("newsfeed")]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base.startswith("newsfeed"):
                # ``from newsfeed.crawl import settings`` imports newsfeed.crawl.settings
                found += [(node.lineno, f"{base}.{a.name}") for a in node.names]
    return sorted(found)


def imports_of(path: Path) -> list[tuple[int, str]]:
    source = path.read_text(encoding="utf-8")
    return imports_in(source, module_name(path), is_package=path.name == "__init__.py")


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer() -> None:
    orphans = [module_name(p) for p in MODULES if layer_of(module_name(p)) < 0]
    assert not orphans, f"add these modules to a layer in LAYERS: {orphans}"


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_no_module_imports_from_a_layer_above(path: Path) -> None:
    importer = module_name(path)
    rank = layer_of(importer)
    upward = []
    for line, imported in imports_of(path):
        target = layer_of(imported)
        if target > rank:
            upward.append(f"line {line}: {imported} ({LAYERS[target][0]} is above {importer})")
        for source, forbidden, why in FORBIDDEN:
            if importer.startswith(source) and imported.startswith(forbidden):
                upward.append(f"line {line}: {imported}: {why}")
    assert not upward, "\n".join(upward)


def test_the_rule_sees_lazy_and_relative_imports() -> None:
    """The checker itself: an extraction module importing the crawl, lazily or relatively."""
    source = (
        "from newsfeed.crawl.stats import stat\n"
        "def f():\n"
        "    import newsfeed.monitor.checks\n"
        "from ..crawl import runner\n"
    )
    found = imports_in(source, "newsfeed.extraction.probe")
    assert [m for _, m in found] == [
        "newsfeed.crawl.stats.stat",
        "newsfeed.monitor.checks",
        "newsfeed.crawl.runner",
    ]
    assert all(layer_of(m) > layer_of("newsfeed.extraction.probe") for _, m in found)
