"""The project a resource is added to: the names it uses, and writing files all or nothing."""

import re
import shutil
from collections.abc import Iterator, Mapping
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


@dataclass
class Project:
    root: Path
    package: str
    _created: list[Path] = field(default_factory=list)
    _originals: dict[Path, str] = field(default_factory=dict)

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

    def domains_with(self, plural: str) -> str:
        """domains.py with `plural`'s declaration imported and added to DOMAINS (ruff then
        sorts the import into place)."""
        text = self.domains_file.read_text(encoding="utf-8")
        found = _DOMAINS.search(text)
        if found is None:
            raise GeneratorError(
                f"no `DOMAINS: tuple[Domain, ...] = (...)`, one entry a line, in "
                f"{self.domains_file}"
            )
        end = found.end("entries")
        text = f"{text[:end]}    {plural},\n{text[end:]}"
        return _with_import(text, plural)

    def pyproject_with(self, plural: str) -> str:
        """pyproject.toml with `plural` in the layer of the resource domains, which may import
        each other (`:`) but not in a cycle."""
        path = self.root / "pyproject.toml"
        text = path.read_text(encoding="utf-8")
        found = _RESOURCE_LAYER.search(text)
        if found is None:
            raise GeneratorError(f"no layer of resource domains in {path}'s import-linter contract")
        start, end = found.span("names")
        names = f"{found['names']} : {plural}" if found["names"] else plural
        return f"{text[:start]}{names}{text[end:]}"

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
        was changed."""
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
            raise


def _with_import(text: str, name: str) -> str:
    """`text` with `from .name import domain as name` after its last import line."""
    lines = text.splitlines(keepends=True)
    last_import = max(i for i, line in enumerate(lines) if line.startswith(("from ", "import ")))
    lines.insert(last_import + 1, _DOMAIN_IMPORT.format(name=name))
    return "".join(lines)
