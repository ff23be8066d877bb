"""`new-resource`: scaffold a domain package like `todos/`, its tests and its migration (and
`--remove`: take one out again, see removal.py).

A development command: it needs the `dev` extra (Jinja2, inflect, ruff, Alembic's hooks).
"""

from pathlib import Path, PurePath

from .migration import autogenerate_revision, check_migrations, lint_imports, run_tool
from .project import Project
from .removal import Removal, remove_resource
from .render import render
from .spec import GeneratorError, parse_resource
from .targets import owned_resources

__all__ = ["GeneratorError", "Removal", "generate_resource", "remove_resource"]


def generate_resource(
    root: Path,
    package: str,
    name: str,
    field_specs: list[str],
    plural: str | None,
    *,
    export: bool = False,
) -> list[Path]:
    """Write the resource into the project at `root`; returns the files written. With
    `export`, it has an export job. Everything is checked before the first write; if a later
    step fails, nothing is left behind."""
    project = Project.at(root, package)
    resource = parse_resource(
        name,
        field_specs,
        plural,
        project.taken_names(),
        export=export,
        targets=owned_resources(root),
    )
    files = render(resource, package, admin=project.has_admin)
    domains = project.domains_with(resource.plural)
    pyproject = project.pyproject_with(resource.plural)
    versions = root / "migrations" / "versions"
    with project.all_or_nothing(), project.undoing_new_files_in(versions):
        written = project.write(files)
        generated = [str(path.relative_to(root)) for path in written]
        registry = PurePath("src", package, "domains.py")
        written += project.write({registry: domains})
        generated.append(str(registry))
        written += project.write({PurePath("pyproject.toml"): pyproject})
        # Formatted first, so that the lint sees the final lines; its fixes sort imports.
        run_tool(root, "-m", "ruff", "format", "--quiet", *generated)
        ruff_fix = ("-m", "ruff", "check", "--fix", "--quiet", "--output-format", "concise")
        run_tool(root, *ruff_fix, *generated)
        run_tool(root, "-m", "ruff", "format", "--quiet", *generated)
        run_tool(root, "-W", "error", "-c", f"import {package}.{resource.plural}.router")
        lint_imports(root)
        written.append(autogenerate_revision(root, resource.plural))
        check_migrations(root)
    return written
