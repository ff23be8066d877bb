"""`new-resource --remove`: take a generated resource out of the project again, with a new
migration that drops its table."""

import ast
import re
import shutil
import subprocess  # nosec B404  # git, found on PATH, never a shell
from dataclasses import dataclass
from pathlib import Path, PurePath

from .migration import autogenerate_revision, check_migrations, lint_imports
from .project import Project
from .spec import GeneratorError, camel, with_singulars

# An import of the resource's package from another module: absolute, relative, or the
# package imported by name from its parent (grep-level: a multi-line `from x import (...)`
# naming it on a later line is not seen).
_IMPORT = (
    r"^\s*(?:from\s+(?:{package}\.|\.+){plural}\b|import\s+{package}\.{plural}\b"
    r"|from\s+(?:{package}|\.+)\s+import\s+\(?(?:\w+\s*,\s*)*{plural}\b)"
)


@dataclass(frozen=True)
class Removal:
    plural: str
    found: str  # which name matched: the resource's or its package's
    removed: list[Path]
    revision: Path


def _model_class(project: Project, plural: str) -> str | None:
    """The class in `<plural>/models.py` whose table is `plural` (`Todo`), if there is one."""
    models = project.source / plural / "models.py"
    if not models.is_file():
        return None
    for node in ast.parse(models.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and [ast.unparse(target) for target in statement.targets] == ["__tablename__"]
                    and isinstance(statement.value, ast.Constant)
                    and statement.value.value == plural
                ):
                    return node.name
    return None


def find_resource(project: Project, name: str) -> tuple[str, str]:
    """The package of the resource `name` names (as given to new-resource, or the package's
    own name) and which of the two it is."""
    resources = project.resource_domains()
    classes = {plural: _model_class(project, plural) for plural in resources}
    if name in resources:
        return name, f"{name!r} is the package of the resource {classes[name] or name}"
    for plural, class_name in classes.items():
        if class_name == camel(name):
            return plural, f"{name!r} is the resource {class_name}, in the package {plural}"
    known = ", ".join(resources) or "none"
    if name in with_singulars(project.taken_names()):
        raise GeneratorError(
            f"{name!r} is not a generated resource (--remove takes out only those of the "
            f"resource domains' layer in pyproject.toml: {known})"
        )
    raise GeneratorError(f"no resource {name!r} in this project (its resources: {known})")


def _importers(project: Project, plural: str, own: list[PurePath]) -> list[str]:
    """The modules outside the resource's own folders (and the registry) that import it."""
    pattern = re.compile(_IMPORT.format(package=re.escape(project.package), plural=plural), re.M)
    skipped = [project.root / folder for folder in own]
    return sorted(
        str(path.relative_to(project.root))
        for folder in (project.source, project.root / "tests")
        for path in folder.rglob("*.py")
        if path != project.domains_file
        and not any(path.is_relative_to(folder) for folder in skipped)
        and pattern.search(path.read_text(encoding="utf-8"))
    )


def _uncommitted(root: Path, folders: list[PurePath]) -> list[str]:
    """The files in `folders` that git has changes or untracked files for; none when git is
    missing or the project is not in a git work tree (there is nothing to compare with)."""
    git = shutil.which("git")
    if git is None:
        return []
    result = subprocess.run(  # noqa: S603  # nosec B603  # fixed arguments, no shell
        [git, "status", "--porcelain", "--untracked-files=all", "--", *map(str, folders)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return [line[3:] for line in result.stdout.splitlines()] if result.returncode == 0 else []


def remove_resource(root: Path, package: str, name: str) -> Removal:
    """Take the resource `name` out of the project at `root`: its package, its tests, its
    registry import and entry, its name in the import contract; then write a migration that
    drops its table. Old migrations are left as they are. Everything is checked before the
    first change; if a later step fails, the project is restored."""
    project = Project.at(root, package)
    plural, found = find_resource(project, name)
    folders = [PurePath("src", package, plural), PurePath("tests", plural)]
    if changed := _uncommitted(root, folders):
        raise GeneratorError(
            f"{plural} has uncommitted changes ({', '.join(changed)}): commit or discard them "
            "first, as --remove deletes its files"
        )
    if importers := _importers(project, plural, folders):
        raise GeneratorError(
            f"{plural} is still imported by {', '.join(importers)}: take those uses out first"
        )
    domains = project.domains_without(plural)
    pyproject = project.pyproject_without(plural)
    versions = root / "migrations" / "versions"
    with project.all_or_nothing(), project.undoing_new_files_in(versions):
        # While the model is still there, so that the downgrade re-creates it exactly.
        revision = autogenerate_revision(root, plural, "drop")
        removed = project.remove(folder for folder in folders if (root / folder).is_dir())
        project.write({PurePath("src", package, "domains.py"): domains})
        project.write({PurePath("pyproject.toml"): pyproject})
        lint_imports(root)
        check_migrations(root)
    return Removal(plural=plural, found=found, removed=removed, revision=revision)
