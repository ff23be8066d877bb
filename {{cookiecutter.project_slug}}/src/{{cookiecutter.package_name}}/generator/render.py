"""Render a resource's modules and tests from the templates beside this module."""

import ast
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import PurePath

from jinja2 import Environment, PackageLoader, StrictUndefined

from .spec import GeneratorError, Resource

# Template -> where its output goes, relative to the project root; {package}, {plural}.
OUTPUTS = {
    "domain/__init__.py.jinja": "src/{package}/{plural}/__init__.py",
    "domain/exceptions.py.jinja": "src/{package}/{plural}/exceptions.py",
    "domain/models.py.jinja": "src/{package}/{plural}/models.py",
    "domain/schemas.py.jinja": "src/{package}/{plural}/schemas.py",
    "domain/service.py.jinja": "src/{package}/{plural}/service.py",
    "domain/dependencies.py.jinja": "src/{package}/{plural}/dependencies.py",
    "domain/router.py.jinja": "src/{package}/{plural}/router.py",
    "tests/__init__.py.jinja": "tests/{plural}/__init__.py",
    "tests/test_resource.py.jinja": "tests/{plural}/test_{plural}.py",
}

_ENVIRONMENT = Environment(
    loader=PackageLoader(__package__ or __name__, "templates"),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,  # noqa: S701  # renders Python source, not HTML  # nosec B701
)


def _import_lines(names: Iterable[tuple[str, str]]) -> str:
    """`from module import a, b` lines, one per module (ruff sorts them afterwards)."""
    by_module: defaultdict[str, set[str]] = defaultdict(set)
    for module, name in names:
        by_module[module].add(name)
    return "\n".join(
        f"from {module} import {', '.join(sorted(names))}"
        for module, names in sorted(by_module.items())
    )


def _module_names(tree: ast.Module) -> Counter[str]:
    """How often each name is bound at module level (imports, classes, functions, constants)."""
    bound = Counter[str]()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            bound.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            bound[node.name] += 1
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound.update(target.id for target in targets if isinstance(target, ast.Name))
    return bound


def _class_fields(tree: ast.Module) -> set[str]:
    """Names declared in class bodies (the fields); one that is also a module-level name
    hides it from the class body's later lines."""
    return {
        statement.target.id
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        for statement in node.body
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
    }


def _check_bindings(path: str, source: str) -> None:
    """A name chosen for the resource or a field must not collide with another name in a
    generated module (an import, a class, a constant, a parameter)."""
    try:
        tree = ast.parse(source, filename=path)
        compile(tree, path, "exec")  # duplicate parameters are found here
    except SyntaxError as error:
        raise GeneratorError(
            f"{path} would not compile ({error.msg}); choose other names"
        ) from None
    bound = _module_names(tree)
    twice = {name for name, times in bound.items() if times > 1}
    if clashes := sorted(twice | (_class_fields(tree) & set(bound))):
        raise GeneratorError(
            f"{path} would use the name {clashes[0]} for two things; choose another resource "
            "or field name"
        )


def render(resource: Resource, package: str, *, admin: bool) -> dict[PurePath, str]:
    """Every file of the resource, by its path relative to the project root; with `admin`
    (the project has the admin site), its declaration puts it there too."""
    constants = [(".models", name) for field in resource.fields for name in field.constant_names]

    def imports(module: str, fixed: list[tuple[str, str]]) -> str:
        return _import_lines([*fixed, *(i for f in resource.fields for i in f.imports(module))])

    context = {
        "r": resource,
        "package": package,
        "admin": admin,
        "imports": imports,
        "columns": any(field.column for field in resource.fields),
        "constants_import": constants,
    }
    files: dict[PurePath, str] = {}
    for template, output in OUTPUTS.items():
        path = PurePath(output.format(package=package, plural=resource.plural))
        source = _ENVIRONMENT.get_template(template).render(context)
        _check_bindings(str(path), source)
        files[path] = source
    return files
