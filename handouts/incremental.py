"""What changed since the last good build: digests of the inputs, and the manifest that keeps them.

Each output is keyed on a hash of everything it depends on; the keys of the last good build
live in a manifest in the output folder, with one digest of every input file (``TREE``).
When that digest still matches, nothing is even parsed.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path

from . import __version__, i18n
from .models import DEFAULT_LANG, STANDARD, Content, Item, Output, Variant
from .outfolder import write_atomic
from .paths import STYLES, TEMPLATES, css_references

MANIFEST = ".handouts-manifest.json"
TREE = "*all inputs*"  # manifest entry: every input file's digest, after a clean full build


def tree_key(variant: Variant) -> str:
    """The manifest entry that holds the tree digest of a variant's last clean full build."""
    return TREE if variant == STANDARD else f"{TREE} {variant}"


def variant_of(manifest_key: str) -> str | None:
    """The variant of a manifest entry; None for entries that are not outputs."""
    try:
        return Output.parse(manifest_key).variant
    except ValueError:
        return None


# ---------------------------------------------------------------------------- digests


def _digest(parts: Iterable[bytes | str]) -> str:
    sha = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        sha.update(len(data).to_bytes(8, "big"))
        sha.update(data)
    return sha.hexdigest()


def _file_digest(path: Path, cache: dict[Path, str]) -> str:
    if path not in cache:
        try:
            cache[path] = _digest([path.read_bytes()])
        except OSError:
            cache[path] = "missing"
    return cache[path]


def _stylesheet_files(first: Path) -> list[Path]:
    """A stylesheet and every file it loads (@imports, fonts): all it depends on."""
    files: list[Path] = []
    todo = [first]
    while todo:
        path = todo.pop()
        if path in files or not path.is_file():
            continue
        files.append(path)
        if path.suffix == ".css":
            todo += css_references(path)
    return files


def _tool_versions() -> list[str]:
    versions = [__version__, metadata.version("weasyprint"), metadata.version("pypdf")]
    return [*versions, metadata.version("babel"), _code_digest()]  # Babel: the month names


@functools.cache
def _code_digest() -> str:
    """The tool's own code (not the desk's): a change to it, an upgrade or an edit in a checkout,
    rebuilds what it may print differently (about 1 ms)."""
    package = Path(__file__).parent
    files = sorted(p for p in package.rglob("*.py") if "desk" not in p.relative_to(package).parts)
    return _digest(part for p in files for part in (str(p.relative_to(package)), p.read_bytes()))


def _item_parts(item: Item, data: Content, cache: dict[Path, str]) -> list[str]:
    from .links import item_links  # here: 14 ms (markupsafe) a build with nothing changed never needs

    links = item_links(item, data)
    parts = [item.key, _file_digest(item.path, cache), *(f"{link.url} {link.note}" for link in links)]
    parts += [f"{p.relative_to(data.root)}={_file_digest(p, cache)}" for p in item.images]
    return parts


def _common_parts(data: Content, cache: dict[Path, str]) -> list[str]:
    """What every output depends on: the tool, the practice, its logo and theme, the templates."""
    assert data.practice is not None
    common = [
        *_tool_versions(),
        _file_digest(data.root / "practice.yml", cache),
        *(f"{p.name}={_file_digest(p, cache)}" for p in sorted(TEMPLATES.glob("*.html"))),  # not desk/
    ]
    if data.practice.logo:
        common.append(f"logo={_file_digest(data.practice.logo, cache)}")
    if data.theme:  # the practice's theme.css and the fonts it loads
        common += [f"theme:{p.name}={_file_digest(p, cache)}" for p in _stylesheet_files(data.theme)]
    return common


def _own_parts(target: Output, data: Content, cache: dict[Path, str]) -> list[str]:
    """What one output depends on besides the common parts: its styles, sources and catalogue."""
    parts = [
        f"{p.name}={_file_digest(p, cache)}"
        for name in target.stylesheets
        for p in _stylesheet_files(STYLES / name)
    ]
    if target.is_booklet:
        booklet = data.booklets[target.lang]
        parts.append(_file_digest(booklet.path, cache))
        for section in booklet.sections:
            for key in section.items:
                item = data.item(key)
                if item is not None:
                    parts += _item_parts(item, data, cache)
    else:
        item = data.item(target.source_key)
        assert item is not None
        parts += _item_parts(item, data, cache)
    if target.lang != DEFAULT_LANG:
        parts.append(_file_digest(i18n.catalogue_path(target.lang), cache))
    return parts


def keys_for(data: Content, targets: Iterable[Output]) -> dict[Output, str]:
    """The hash of every input of each target output."""
    cache: dict[Path, str] = {}
    common = _common_parts(data, cache)
    return {target: _digest([*common, target.key, *_own_parts(target, data, cache)]) for target in targets}


def tree_digest(content_dir: Path, out: Path) -> str:
    """One digest of every file a full build reads: content, templates, styles, tool versions.

    Cheap (no parsing, no imports): when it matches the last clean full build, there is
    nothing to do.
    """
    skip = out.resolve()
    parts: list[bytes | str] = [*_tool_versions()]
    folders = (("content", content_dir.resolve()), ("templates", TEMPLATES), ("styles", STYLES))
    for label, folder in (*folders, ("locale", i18n.LOCALE)):
        parts.append(label)
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if (
                path.is_relative_to(skip)
                or any(p.startswith(".") for p in relative.parts)
                or not path.is_file()
            ):
                continue
            parts += [str(relative), path.read_bytes()]
    return _digest(parts)


# ---------------------------------------------------------------------------- the manifest


def read_manifest(out: Path) -> dict[str, str]:
    """The keys of the last good build; a missing or corrupt manifest means 'build everything'."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        return {}
    return data


def write_manifest(out: Path, manifest: Mapping[str, str]) -> None:
    """Save the manifest, only when it changed (a no-op build touches no file)."""
    data = json.dumps(manifest, indent=1, sort_keys=True).encode()
    try:
        if (out / MANIFEST).read_bytes() == data:
            return
    except OSError:
        pass
    write_atomic(out / MANIFEST, data)


def unchanged(out: Path, manifest: Mapping[str, str], variant: Variant, tree: str) -> list[str] | None:
    """The outputs of a variant when nothing changed since its last clean full build, else None.

    Nothing changed: the tree digest matches the manifest's, and every PDF it names is there.
    """
    if manifest.get(tree_key(variant)) != tree:
        return None
    keys = sorted(key for key in manifest if variant_of(key) == variant)
    if all((out / name).is_file() for key in keys for name in Output.parse(key).files):
        return keys
    return None
