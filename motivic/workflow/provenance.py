"""Code provenance for reruns: a digest of the source a workflow script runs.

Snakemake reruns a ``script:`` rule when its params change, but not when the
library code the script imports changes. :func:`code_digest` follows a script's
imports statically (``ast``, nothing is imported) through the ``motivic``
package and the workflow's script helpers (``_common``), and hashes what it
reaches. A rule that puts the digest in its params reruns exactly when code it
can execute changes: an edit to ``motivic/contour/`` reruns the contour rule
and what consumes its outputs, and nothing upstream.

The hash is over each module's syntax tree with docstrings removed, so comments,
docstrings and formatting do not trigger reruns; any change to code does.
Imports are followed wherever they appear (also inside functions), and
importing ``motivic.a.b`` also reaches ``motivic/__init__.py`` and
``motivic/a/__init__.py``, which Python runs first.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

__all__ = ["code_digest", "reachable_sources"]

PACKAGE = "motivic"
SCRIPT_HELPERS = ("_common",)


def _module_file(root: Path, dotted: str) -> Path | None:
    """The file of ``dotted`` (a module or a package) under ``root``, if it is there."""
    base = root.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _package_of(root: Path, path: Path) -> str:
    """Dotted package that ``path`` (a module under ``root/motivic``) belongs to."""
    # motivic/a/b.py and motivic/a/__init__.py both sit in package motivic.a.
    return ".".join(path.resolve().relative_to(root.resolve()).parts[:-1])


def _imported_names(tree: ast.AST, package: str | None) -> Iterable[str]:
    """Dotted names a module imports (relative imports resolved against ``package``)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if package is None:
                    continue
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                stem = f"{base}.{node.module}" if node.module else base
            else:
                stem = node.module or ""
            yield stem
            for alias in node.names:  # ``from motivic import contour`` imports a submodule
                yield f"{stem}.{alias.name}"


def _with_parents(dotted: str) -> list[str]:
    parts = dotted.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def reachable_sources(script: str | Path, root: str | Path) -> list[Path]:
    """Source files a workflow script can run: itself, its helpers and ``motivic`` modules.

    Parameters
    ----------
    script : path
        A workflow script (``workflow_scripts/<name>.py``).
    root : path
        Repository root holding the ``motivic`` package.

    Returns
    -------
    paths : list of Path
        Sorted, the script included.
    """
    root, script = Path(root), Path(script)
    helpers_dir = script.parent
    seen: set[Path] = set()
    todo = [script]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        try:
            inside = path.resolve().is_relative_to((root / PACKAGE).resolve())
        except OSError:
            inside = False
        package = _package_of(root, path) if inside else None
        for name in _analyse(path, _version(path), package)[0]:
            if name in SCRIPT_HELPERS:
                helper = helpers_dir / f"{name}.py"
                if helper.is_file():
                    todo.append(helper)
                continue
            if name.split(".")[0] != PACKAGE:
                continue
            for dotted in _with_parents(name):
                found = _module_file(root, dotted)
                if found is not None:
                    todo.append(found)
    return sorted(seen)


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            first = body[0].value if body and isinstance(body[0], ast.Expr) else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


def _version(path: Path) -> tuple[int, int]:
    """Cache key of a file's content: modification time and size."""
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@cache
def _analyse(path: Path, version: tuple[int, int], package: str | None) -> tuple[tuple[str, ...], str]:
    """Imported names and syntax digest of one file, parsed once per version of the file.

    A workflow parse digests every rule's script; the scripts share most modules, so the
    cache makes that one parse per module instead of one per (script, module).
    """
    tree = ast.parse(path.read_text(), str(path))
    names = tuple(_imported_names(tree, package))
    digest = hashlib.sha256(ast.dump(_strip_docstrings(tree), annotate_fields=False).encode())
    return names, digest.hexdigest()


def _file_digest(path: Path, root: Path) -> str:
    try:
        inside = path.resolve().is_relative_to((root / PACKAGE).resolve())
    except OSError:
        inside = False
    package = _package_of(root, path) if inside else None
    return _analyse(path, _version(path), package)[1]


def code_digest(script: str | Path, root: str | Path) -> str:
    """Short hex digest of the code :func:`reachable_sources` finds for ``script``.

    Parameters
    ----------
    script : path
        A workflow script.
    root : path
        Repository root holding the ``motivic`` package.

    Returns
    -------
    digest : str
        16 hex characters; equal for two trees whose reachable code is equal.
    """
    root = Path(root)
    total = hashlib.sha256()
    for path in reachable_sources(script, root):
        rel = path.resolve().relative_to(root.resolve()).as_posix()
        total.update(f"{rel}\0{_file_digest(path, root)}\n".encode())
    return total.hexdigest()[:16]
