"""The layout shows the flow: every import in daemon/ goes down the stages, never up; the
core never imports a provider; a provider never imports another provider; and the wheel's
package list covers every folder of the source."""

import ast
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PKG = "interview_followup"

# Lower numbers come first in the flow; a module may import its own rank or lower ones.
RANKS = {
    "model": 0, "config": 0, "errors": 0, "clock": 0, "keys": 0, "frozen": 0, "providers": 0,
    "common": 0, "employers": 0, "data": 0,
    "calendar": 1, "mail": 2, "loop": 3, "store": 4, "engine": 5, "board": 6, "service": 7, "cli": 8,
}


def module_name(path: Path) -> str:
    rel = path.relative_to(REPO).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join([PKG, *parts])


def imports_of(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.level:  # a sibling within integrations/ (the core spells every import out)
                assert path.parent.name == "integrations" and node.level == 1, f"{path}: relative import"
                yield f"{PKG}.integrations.{node.module}", [a.name for a in node.names]
            else:
                yield node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, []


def rank_of(module: str) -> int | None:
    parts = module.split(".")
    if parts[:2] != [PKG, "daemon"] or len(parts) < 3:
        return None
    return RANKS.get(parts[2])


def test_every_folder_of_daemon_has_a_rank_and_says_what_lives_there():
    for d in sorted(p for p in (REPO / "daemon").iterdir() if p.is_dir() and p.name != "__pycache__"):
        assert d.name in RANKS, f"daemon/{d.name}/ has no place in the flow (tests/test_layout.py RANKS)"
        doc = ast.get_docstring(ast.parse((d / "__init__.py").read_text(encoding="utf-8")))
        assert doc and doc.count("\n") <= 3, f"daemon/{d.name}/__init__.py: say in two lines what lives there"
    for f in (REPO / "daemon").glob("*.py"):
        if f.stem not in ("__init__", "__main__", "engine"):
            assert f.stem in RANKS, f"daemon/{f.name} sits beside the stages: place it in one"


def test_no_import_runs_from_a_lower_stage_up_to_a_higher_one():
    wrong = []
    for f in (REPO / "daemon").rglob("*.py"):
        mine = rank_of(module_name(f))
        if mine is None:
            continue
        for module, names in imports_of(f):
            targets = [module] + [f"{module}.{n}" for n in names]
            for t in targets:
                r = rank_of(t)
                if r is not None and r > mine:
                    wrong.append(f"{f.relative_to(REPO)} imports {t}")
                    break
    assert not wrong, "\n".join(wrong)


def test_the_core_never_imports_a_provider_and_providers_never_import_each_other():
    eps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["entry-points"]
    providers = {v.split(":")[0] for group in eps.values() for v in group.values()}
    for f in (REPO / "daemon").rglob("*.py"):
        for module, _ in imports_of(f):
            assert not module.startswith(f"{PKG}.integrations"), f"{f.relative_to(REPO)} imports {module}"
    for f in (REPO / "integrations").glob("*.py"):
        me = module_name(f)
        for module, names in imports_of(f):
            others = {module} | {f"{module}.{n}" for n in names}
            hit = (others & providers) - {me}
            assert not hit, f"{f.relative_to(REPO)} imports the provider {hit}"


def test_the_wheel_lists_every_package_of_the_source():
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {module_name(p) for top in ("daemon", "integrations")
             for p in (REPO / top).rglob("__init__.py") if "__pycache__" not in p.parts}
    assert found == listed


def test_importing_the_source_folder_under_its_bare_name_is_refused(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "import daemon"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode != 0 and "interview_followup.daemon" in done.stderr
