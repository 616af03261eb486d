"""The layering, kept by tests: each app imports only the apps below it (the ``layers`` contract in pyproject's
``[tool.importlinter]``: config < catalog < customers < subscriptions < credits < entitlements < metering), and no
module imports itself back through others (a file-level import cycle). Function-local imports count in both.

Both read the source (import-linter and its graph library, grimp, parse it; nothing is imported), in about a second.
"""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["config", "catalog", "customers", "subscriptions", "credits", "entitlements", "metering"]


def test_each_app_imports_only_the_apps_below_it() -> None:
    linted = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert linted.returncode == 0, linted.stdout + linted.stderr


def strongly_connected(graph: dict[str, set[str]]) -> Iterator[list[str]]:
    """Tarjan's components of ``graph`` (module -> the modules it imports), iteratively: the modules of each."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = lowest[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, imported = work[-1]
            following = next(imported, None)
            if following is not None:
                if following not in index:
                    index[following] = lowest[following] = len(index)
                    stack.append(following)
                    on_stack.add(following)
                    work.append((following, iter(sorted(graph[following]))))
                elif following in on_stack:
                    lowest[module] = min(lowest[module], index[following])
                continue
            work.pop()
            if work:
                lowest[work[-1][0]] = min(lowest[work[-1][0]], lowest[module])
            if lowest[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                yield sorted(component)


def import_cycles() -> list[str]:
    """Each file-level import cycle among the packages, as one chain of imports that comes back to its start."""
    imports = grimp.build_graph(*PACKAGES, cache_dir=None)
    graph = {module: imports.find_modules_directly_imported_by(module) & imports.modules for module in imports.modules}
    cycles = []
    for component in strongly_connected(graph):
        if len(component) < 2:
            continue
        start = component[0]
        back = min(
            (imports.find_shortest_chain(importer=module, imported=start) or () for module in graph[start]),
            key=lambda chain: len(chain) if chain else sys.maxsize,
        )
        cycles.append(" -> ".join([start, *back]) + f"  (a cycle among {len(component)} modules)")
    return cycles


@pytest.mark.parametrize(
    ("graph", "components"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, [["c"], ["b"], ["a"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"], ["d"]]),
        ({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c", "a"}}, [["a", "b"], ["c", "d"]]),
    ],
)
def test_strongly_connected_finds_the_cycles(graph: dict[str, set[str]], components: list[list[str]]) -> None:
    assert list(strongly_connected(graph)) == components


def test_no_module_imports_itself_back_through_others() -> None:
    assert import_cycles() == []
