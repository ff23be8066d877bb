"""The project a resource is added to or removed from: the names it uses, its registry and
import contract, and writing or removing files all or nothing."""

import re
import shutil
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from ..domains import metadata
from .spec import GeneratorError

_DOMAINS = re.compile(
    r"^DOMAINS: tuple\[Domain, \.\.\.\] = \(\n(?P<entries>(?:    .*\n)*)\)", re.MULTILINE
)
_DOMAIN_IMPORT = "from .{name} import domain as {name}\n"
# The import-linter layer of the resource domains, in pyproject.toml.
_RESOURCE_LAYER = re.compile(r'^    # The resource domains\.\n    "(?P<names>[^"]*)"', re.MULTILINE)
# Between two of its names: `:` (may import each other) or `|` (independent).
_LAYER_SEPARATOR = re.compile(r"(\s*[:|]\s*)")


@dataclass
class Project:
    root: Path
    package: str
    _created: list[Path] = field(default_factory=list)
    _originals: dict[Path, str] = field(default_factory=dict)
    _removed: dict[Path, bytes] = field(default_factory=dict)

    @classmethod
    def at(cls, root: Path, package: str) -> "Project":
        project = cls(root=root, package=package)
        if not (root / "pyproject.toml").is_file() or not project.domains_file.is_file():
            raise GeneratorError(
                f"run new-resource in the project's root folder (where pyproject.toml and "
                f"src/{package}/ are); {root} is not"
            )
        return project

    @property
    def source(self) -> Path:
        return self.root / "src" / self.package

    @property
    def domains_file(self) -> Path:
        return self.source / "domains.py"

    def taken_names(self) -> set[str]:
        """Packages and modules of the application, test folders, and tables."""
        folders = [folder for folder in (self.source, self.root / "tests") if folder.is_dir()]
        places = [path for folder in folders for path in folder.iterdir()]
        return {path.stem for path in places} | set(metadata().tables)

    @property
    def has_admin(self) -> bool:
        return (self.source / "admin").is_dir()

    def _domains(self) -> tuple[str, re.Match[str]]:
        text = self.domains_file.read_text(encoding="utf-8")
        found = _DOMAINS.search(text)
        if found is None:
            raise GeneratorError(
                f"no `DOMAINS: tuple[Domain, ...] = (...)`, one entry a line, in "
                f"{self.domains_file}"
            )
        return text, found

    def domains_with(self, plural: str) -> str:
        """domains.py with `plural`'s declaration imported and added to DOMAINS (ruff then
        sorts the import into place)."""
        text, found = self._domains()
        end = found.end("entries")
        text = f"{text[:end]}    {plural},\n{text[end:]}"
        return _with_import(text, plural)

    def domains_without(self, plural: str) -> str:
        """domains.py without `plural`'s import and entry in DOMAINS, as new-resource wrote
        them."""
        text, found = self._domains()
        start, end = found.span("entries")
        entries = found["entries"].splitlines(keepends=True)
        line = _DOMAIN_IMPORT.format(name=plural)
        if f"    {plural},\n" not in entries or text.count(line) != 1:
            raise GeneratorError(
                f"{self.domains_file} has no `{line.strip()}` or no `{plural},` entry in "
                "DOMAINS: take it out by hand"
            )
        entries.remove(f"    {plural},\n")
        return f"{text[:start]}{''.join(entries)}{text[end:]}".replace(line, "", 1)

    def _resource_layer(self) -> tuple[str, re.Match[str]]:
        path = self.root / "pyproject.toml"
        text = path.read_text(encoding="utf-8")
        found = _RESOURCE_LAYER.search(text)
        if found is None:
            raise GeneratorError(f"no layer of resource domains in {path}'s import-linter contract")
        return text, found

    def resource_domains(self) -> list[str]:
        """The packages in the layer of the resource domains: todos and what new-resource
        added, the only domains `--remove` takes out."""
        _, found = self._resource_layer()
        return [name for name in _LAYER_SEPARATOR.split(found["names"])[::2] if name]

    def pyproject_with(self, plural: str) -> str:
        """pyproject.toml with `plural` in the layer of the resource domains, which may import
        each other (`:`) but not in a cycle."""
        text, found = self._resource_layer()
        start, end = found.span("names")
        names = f"{found['names']} : {plural}" if found["names"] else plural
        return f"{text[:start]}{names}{text[end:]}"

    def pyproject_without(self, plural: str) -> str:
        """pyproject.toml without `plural` (and the separator before it, or after it when it
        comes first) in the layer of the resource domains."""
        text, found = self._resource_layer()
        parts = _LAYER_SEPARATOR.split(found["names"])  # name, separator, name, ...
        first = max(parts.index(plural) - 1, 0)  # the separator before it, or the name
        del parts[first : first + 2]
        start, end = found.span("names")
        return f"{text[:start]}{''.join(parts)}{text[end:]}"

    def write(self, files: Mapping[PurePath, str]) -> list[Path]:
        """Write `files` (new or replacing), remembering how to undo it."""
        paths = []
        for relative, content in files.items():
            path = self.root / relative
            if path.exists():
                self._originals.setdefault(path, path.read_text(encoding="utf-8"))
            else:
                for parent in reversed(path.parents):
                    if not parent.exists():
                        parent.mkdir()
                        self._created.append(parent)
                self._created.append(path)
            path.write_text(content, encoding="utf-8")
            paths.append(path)
        return paths

    def remove(self, folders: Iterable[PurePath]) -> list[Path]:
        """Remove `folders` with their files, remembering how to restore them (the tools'
        caches in them are not restored)."""
        removed = []
        for relative in folders:
            folder = self.root / relative
            for path in sorted(folder.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    self._removed[path] = path.read_bytes()
            shutil.rmtree(folder)
            removed.append(folder)
        return removed

    @contextmanager
    def undoing_new_files_in(self, folder: Path) -> Iterator[None]:
        """Files that a tool creates in `folder` meanwhile are undone too."""
        before = set(folder.iterdir())
        try:
            yield
        finally:
            self._created.extend(sorted(set(folder.iterdir()) - before))

    @contextmanager
    def all_or_nothing(self) -> Iterator[None]:
        """If anything fails (or is interrupted), remove what was written and restore what
        was changed or removed."""
        try:
            yield
        except BaseException:
            for path in reversed(self._created):
                if path.is_dir():
                    shutil.rmtree(path)  # with any cache a tool wrote into it
                elif path.exists():
                    path.unlink()
            for path, text in self._originals.items():
                path.write_text(text, encoding="utf-8")
            for path, content in self._removed.items():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
            raise


def _with_import(text: str, name: str) -> str:
    """`text` with `from .name import domain as name` after its last import line."""
    lines = text.splitlines(keepends=True)
    last_import = max(i for i, line in enumerate(lines) if line.startswith(("from ", "import ")))
    lines.insert(last_import + 1, _DOMAIN_IMPORT.format(name=name))
    return "".join(lines)
