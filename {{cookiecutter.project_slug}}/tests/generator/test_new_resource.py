"""`new-resource` on a copy of this project: bad input changes nothing, good input writes a
resource that passes the project's own checks, and a failed step leaves nothing behind;
`--remove` takes a generated resource out again, and refuses what it must not take out."""

import re
import shutil
import subprocess
import sys
from pathlib import Path, PurePath

import pytest

from {{ cookiecutter.package_name }} import cli
from {{ cookiecutter.package_name }}.generator import GeneratorError, generate_resource
from {{ cookiecutter.package_name }}.generator.fields import Target
from {{ cookiecutter.package_name }}.generator.project import Project
from {{ cookiecutter.package_name }}.generator.spec import parse_resource, plural_of, singular_of
from {{ cookiecutter.package_name }}.generator.targets import owned_resources

from ..conftest import PROJECT_ROOT

PACKAGE = "{{ cookiecutter.package_name }}"


def absent_name(name: str) -> str:
    """`name`, or `name` with a number, such that neither it nor its plural is taken in this
    project: these tests keep passing whatever resources `new-resource` has added."""
    taken = Project(root=PROJECT_ROOT, package=PACKAGE).taken_names()
    candidate, number = name, 1
    while {candidate, plural_of(candidate)} & taken:
        number += 1
        candidate = f"{name}{number}"
    return candidate


FRESH_NAME = absent_name("sample_gizmo")
# One with a two-word plural, to check the names derived from it.
PART_NAME = absent_name("gadget_part")
PARTS = plural_of(PART_NAME)
EVERY_TYPE = [
    "--field=title:str:80",
    "--field=body:text?",
    "--field=quantity:int",
    "--field=score:float?",
    "--field=done:bool",
    "--field=archived:bool?",
    "--field=due:date?",
    "--field=paid_at:datetime",
    "--field=amount:decimal?",
    "--field=todo:ref",
]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of this project, as the current folder."""
    copy = tmp_path / "project"
    shutil.copytree(
        PROJECT_ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", ".env", "*.db*", "*.log", ".*_cache", "__pycache__", ".coverage*"
        ),
    )
    monkeypatch.chdir(copy)
    return copy


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file and its content, leaving out the tools' caches."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
        and not any(part.endswith(("_cache", "__pycache__")) for part in path.parts)
    }


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["class", "--field=a:str"], "keyword"),
        (["todo", "--field=a:str"], "'todo' already exists"),
        (["user", "--field=a:str"], "already exists"),
        (["auth", "--field=a:str"], "already exists"),
        (["core", "--field=a:str"], "already exists"),
        (["health", "--field=a:str"], "already exists"),
        ([FRESH_NAME, "--plural=todos", "--field=a:str"], "'todos' already exists"),
        (["sheep", "--field=a:str"], "its own plural"),
        (["widgets", "--field=a:str"], "'widgets' looks like a plural; did you mean widget?"),
        (["line_items", "--field=a:str"], "did you mean line_item?"),
        (["categories", "--field=a:str"], "did you mean category?"),
        (["9notes", "--field=a:str"], "not a lower-case identifier"),
        ([FRESH_NAME, "--plural=No-tes", "--field=a:str"], "not a lower-case identifier"),
        ([FRESH_NAME, f"--plural={'n' * 41}", "--field=a:str"], "longer than"),
        ([FRESH_NAME, "--field=x:blob"], "unknown type 'blob'"),
        ([FRESH_NAME, "--field=x:int:10"], "only str takes a length"),
        ([FRESH_NAME, "--field=x:str:0"], "whole number from 1"),
        ([FRESH_NAME, "--field=x:str:ten"], "whole number from 1"),
        ([FRESH_NAME, "--field=x:str:10485761"], "whole number from 1"),
        ([FRESH_NAME, "--field=:str"], "field name is empty"),
        ([FRESH_NAME, "--field=body"], "expected NAME:TYPE"),
        ([FRESH_NAME, "--field=a:str", "--field=a:int"], "given more than once"),
        ([FRESH_NAME, "--field=id:int"], "already has"),
        ([FRESH_NAME, "--field=owner_id:int"], "already has"),
        ([FRESH_NAME, "--field=created_at:datetime"], "already has"),
        ([FRESH_NAME, "--field=updated_at:datetime"], "already has"),
        ([FRESH_NAME, "--field=owner:str"], "already has"),
        ([FRESH_NAME, "--field=class:str"], "keyword"),
        ([FRESH_NAME, f"--field={'f' * 64}:str"], "longer than"),
        ([FRESH_NAME, "--field=model_config:str"], "taken by pydantic or SQLAlchemy"),
        ([FRESH_NAME, "--field=metadata:str"], "taken by pydantic or SQLAlchemy"),
        ([FRESH_NAME, "--field=date:date"], "the name date for two things"),
        (["session", "--field=a:str"], "would not compile"),
        ([FRESH_NAME], "at least one --field"),
        (
            [FRESH_NAME, "--field=a:str", "--field=todoo:ref"],
            "no resource named 'todoo' to refer to (resources: ",
        ),
        ([FRESH_NAME, "--field=a:str", "--field=todoo:ref"], "; did you mean todo?"),
        ([FRESH_NAME, "--field=a:str", "--field=todos:ref"], "; did you mean todo?"),
        ([FRESH_NAME, "--field=a:str", "--field=job:ref"], "no resource named 'job'"),
        ([FRESH_NAME, "--field=a:str", "--field=todo:ref:5"], "only str takes a length"),
        ([FRESH_NAME, "--field=todo:ref?"], "at least one --field that is not a ref"),
        ([FRESH_NAME, "--field=a:str", "--field=todo:ref", "--field=todo:ref?"], "more than once"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    project: Path, arguments: list[str], problem: str
) -> None:
    before = _snapshot(project)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["new-resource", *arguments])
    message = str(exit_info.value.code)
    assert message.startswith("error: ")
    assert problem in message
    assert "\n" not in message
    assert _snapshot(project) == before


def test_outside_the_project_root_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match="root folder"):
        cli.main(["new-resource", FRESH_NAME, "--field=a:str"])


def test_without_the_dev_extra_it_says_what_to_install(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [name for name in sys.modules if name.startswith(f"{PACKAGE}.generator")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "inflect", None)
    with pytest.raises(SystemExit, match=r"needs the dev extra \(inflect is missing\)"):
        cli.main(["new-resource", FRESH_NAME, "--field=a:str"])


@pytest.mark.parametrize(
    ("name", "plural"),
    [("note", "notes"), ("category", "categories"), ("gadget_part", "gadget_parts")],
)
def test_plurals_follow_english(name: str, plural: str) -> None:
    assert plural_of(name) == plural


@pytest.mark.parametrize("name", ["status", "bus", "address", "analysis", "news"])
def test_singulars_that_end_in_s_are_not_taken_for_plurals(name: str) -> None:
    assert singular_of(name) is None


def test_an_explicit_plural_says_the_name_is_singular() -> None:
    """inflect may take a singular for a plural; --plural overrides it."""
    resource = parse_resource("widgets", ["a:str"], "widgetses", set())
    assert (resource.name, resource.plural) == ("widgets", "widgetses")


def test_a_reference_is_a_column_named_for_its_resource() -> None:
    fields = parse_resource(
        FRESH_NAME,
        ["a:str", "todo:ref", "project:ref?"],
        None,
        set(),
        targets={"todo": Target("todo", "todos"), "project": Target("project", "projects")},
    ).fields
    assert [(field.name, field.optional) for field in fields] == [
        ("a", False),
        ("todo_id", False),
        ("project_id", True),
    ]
    assert [field.column for field in fields[1:]] == [
        'ForeignKey("todos.id", ondelete="CASCADE"), index=True',
        'ForeignKey("projects.id", ondelete="SET NULL"), index=True',
    ]


def test_a_foreign_key_name_longer_than_postgresql_takes_is_refused() -> None:
    name = "t" * 30
    with pytest.raises(
        GeneratorError, match=f"fk_{plural_of(FRESH_NAME)}_{name}_id_{name}s, is longer"
    ):
        parse_resource(
            FRESH_NAME,
            ["a:str", f"{name}:ref"],
            None,
            set(),
            targets={name: Target(name, f"{name}s")},
        )


def test_the_resources_to_refer_to_are_the_generated_ones() -> None:
    """Jobs are owned too, but written by the app: no client creates one to refer to."""
    assert owned_resources(PROJECT_ROOT)["todo"] == Target("todo", "todos")
    assert "job" not in owned_resources(PROJECT_ROOT)


def test_a_resource_of_every_type_is_written_registered_and_removed(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One test for both directions, as generating is slow: removing gives the project back
    as it was, but for the two migrations."""
    before = _snapshot(project)
    cli.main(["new-resource", PART_NAME, f"--plural={PARTS}", *EVERY_TYPE])
    written = capsys.readouterr().out
    domain = project / "src" / PACKAGE / PARTS
    todos = project / "src" / PACKAGE / "todos"
    assert {path.name for path in domain.glob("*.py")} == {path.name for path in todos.glob("*.py")}
    assert (project / "tests" / PARTS / f"test_{PARTS}.py").is_file()
    registry = (project / "src" / PACKAGE / "domains.py").read_text()
    assert f"from .{PARTS} import domain as {PARTS}\n" in registry
    assert f"    {PARTS},\n)" in registry
    assert f' : {PARTS}",' in (project / "pyproject.toml").read_text()
    assert f'prefix="/{PARTS.replace("_", "-")}"' in (domain / "router.py").read_text()
    models = (domain / "models.py").read_text()
    assert "TITLE_MAX_LENGTH = 80\n" in models
    assert "todo_id: Mapped[int] = mapped_column(" in models
    assert 'ForeignKey("todos.id", ondelete="CASCADE"), index=True' in models
    part_class = "".join(word.capitalize() for word in PART_NAME.split("_"))
    service = (domain / "service.py").read_text()
    for name in ("done", "archived", "todo_id"):
        assert f"equal_unless_none({part_class}.{name})" in service
    [revision] = (project / "migrations" / "versions").glob(f"*_create_{PARTS}.py")
    assert f'op.create_table(\n        "{PARTS}",' in revision.read_text()
    assert f"{revision.relative_to(project)}" in written
    with pytest.raises(SystemExit, match=f"'{PART_NAME}' already exists"):
        cli.main(["new-resource", PART_NAME, "--field=a:str"])

    cli.main(["new-resource", "--remove", PART_NAME])
    removed = capsys.readouterr().out
    assert removed.startswith(
        f"'{PART_NAME}' is the resource {part_class}, in the package {PARTS}\n"
    )
    after = _snapshot(project)
    [drop] = (project / "migrations" / "versions").glob(f"*_drop_{PARTS}.py")
    new = {str(revision.relative_to(project)), str(drop.relative_to(project))}
    assert set(after) - set(before) == new
    assert {name: after[name] for name in before} == before
    assert f"{drop.relative_to(project)}" in removed
    assert f'op.drop_table("{PARTS}")' in drop.read_text()
    # The downgrade re-creates the table as the create revision does, from the model.
    assert _body(drop, "downgrade") == _body(revision, "upgrade")
    assert _body(drop, "upgrade") == _body(revision, "downgrade")
    subprocess.run([sys.executable, "-c", LINT_IMPORTS, "--no-cache"], cwd=project, check=True)


LINT_IMPORTS = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def _body(revision: Path, function: str) -> str:
    """The lines of a revision's `upgrade` or `downgrade`."""
    text = revision.read_text()
    return text.split(f"def {function}() -> None:\n", 1)[1].split("\n\n\ndef ", 1)[0].rstrip()


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        # (Followed by the resources there are: todos, and whatever was generated since.)
        ("memo", "no resource 'memo' in this project (its resources: "),
        ("users", "'users' is not a generated resource"),
        ("user", "'user' is not a generated resource"),
        ("auth", "'auth' is not a generated resource"),
        ("accounts", "'accounts' is not a generated resource"),
        ("jobs", "'jobs' is not a generated resource"),
        ("health", "'health' is not a generated resource"),
        ("core", "'core' is not a generated resource"),
        # The suite's own tests (factories, jobs, admin, users) use todos as their resource.
        ("todo", "todos is still imported by tests/"),
        ("todos", "todos is still imported by tests/"),
    ],
)
def test_what_remove_must_not_take_out_is_one_line_and_changes_nothing(
    project: Path, name: str, problem: str
) -> None:
    before = _snapshot(project)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["new-resource", "--remove", name])
    message = str(exit_info.value.code)
    assert message.startswith("error: ")
    assert problem in message
    assert "\n" not in message
    assert _snapshot(project) == before


def test_a_resource_imported_by_another_module_is_not_removed(project: Path) -> None:
    (project / "src" / PACKAGE / "jobs" / "uses_todos.py").write_text(
        "from ..todos import models\n"
    )
    with pytest.raises(SystemExit, match=rf"imported by src/{PACKAGE}/jobs/uses_todos\.py, tests/"):
        cli.main(["new-resource", "--remove", "todos"])


def test_removed_folders_come_back_when_a_later_step_fails(project: Path) -> None:
    before = _snapshot(project)
    folders = [PurePath("src", PACKAGE, "todos"), PurePath("tests", "todos")]
    target = Project.at(project, PACKAGE)

    def remove_then_fail() -> None:
        with target.all_or_nothing():
            target.remove(folders)
            assert not (project / folders[0]).exists()
            raise GeneratorError("a later step")

    with pytest.raises(GeneratorError, match="a later step"):
        remove_then_fail()
    assert _snapshot(project) == before


@pytest.mark.parametrize(
    ("layer", "left"),
    [
        ("todos : notes : tags", "notes : tags"),
        ("notes : todos | tags", "notes | tags"),
        ("todos", ""),
    ],
)
def test_the_name_leaves_the_layer_with_one_separator(project: Path, layer: str, left: str) -> None:
    pyproject = project / "pyproject.toml"
    # Whatever resources were generated since, the layer is set to `layer`.
    pyproject.write_text(
        re.sub(r'(# The resource domains\.\n    )"[^"]*",', rf'\1"{layer}",', pyproject.read_text())
    )
    target = Project.at(project, PACKAGE)
    assert f'    # The resource domains.\n    "{left}",\n' in target.pyproject_without("todos")


def test_a_registry_it_cannot_take_the_resource_out_of_is_reported(project: Path) -> None:
    domains = project / "src" / PACKAGE / "domains.py"
    domains.write_text(domains.read_text().replace("    todos,\n", ""))
    with pytest.raises(GeneratorError, match=r"no `from \.todos import domain as todos` or no"):
        Project.at(project, PACKAGE).domains_without("todos")


def test_uncommitted_changes_in_the_resource_are_refused(project: Path) -> None:
    git = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "start"]):
        subprocess.run([*git, *command], cwd=project, check=True)
    with pytest.raises(SystemExit, match="still imported"):  # committed: on to the next check
        cli.main(["new-resource", "--remove", "todos"])
    models = project / "src" / PACKAGE / "todos" / "models.py"
    models.write_text(models.read_text() + "# mine\n")
    (project / "tests" / "todos" / "test_more.py").write_text("")
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["new-resource", "--remove", "todo"])
    assert str(exit_info.value.code) == (
        f"error: todos has uncommitted changes (src/{PACKAGE}/todos/models.py, "
        "tests/todos/test_more.py): commit or discard them first, as --remove deletes its files"
    )


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ([], "give the resource's NAME, or --remove NAME"),
        (["--remove", "todo", "todo"], "--remove takes only the resource's NAME"),
        (["--remove", "todo", "--field=a:str"], "--remove takes only the resource's NAME"),
    ],
    ids=["nothing", "name-and-remove", "remove-and-field"],
)
def test_new_resource_takes_a_name_or_remove(
    arguments: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["new-resource", *arguments])
    assert exit_info.value.code == 2  # a usage error, as argparse reports them
    assert capsys.readouterr().err.endswith(f"error: {problem}\n")


def test_a_failed_step_leaves_the_project_as_it_was(project: Path) -> None:
    """Models that already differ from the migrations make the revision more than a create:
    everything written, and domains.py, is rolled back."""
    todos = project / "src" / PACKAGE / "todos" / "models.py"
    todos.write_text(todos.read_text() + "    priority: Mapped[int | None]\n")
    before = _snapshot(project)
    with pytest.raises(GeneratorError, match=f"does more than create {plural_of(FRESH_NAME)}"):
        generate_resource(project, PACKAGE, FRESH_NAME, ["body:text"], None)
    assert _snapshot(project) == before


def test_a_failing_tool_is_named_and_leaves_nothing_behind(project: Path) -> None:
    (project / "migrations" / "script.py.mako").unlink()  # Alembic cannot write a revision
    before = _snapshot(project)
    with pytest.raises(GeneratorError, match=r"^-m alembic revision failed: .*script\.py\.mako"):
        generate_resource(project, PACKAGE, FRESH_NAME, ["body:text"], None)
    assert _snapshot(project) == before


def test_a_domains_list_it_cannot_extend_is_reported(project: Path) -> None:
    domains = project / "src" / PACKAGE / "domains.py"
    text = domains.read_text()
    domains.write_text(text.replace("DOMAINS: tuple[Domain, ...] = (", "DOMAINS = tuple(", 1))
    with pytest.raises(GeneratorError, match=r"no `DOMAINS: tuple\[Domain, \.\.\.\] = \(\.\.\.\)`"):
        generate_resource(project, PACKAGE, FRESH_NAME, ["body:text"], None)
