"""What `new-resource` is asked for, checked: the resource's names and its typed fields."""

import difflib
import keyword
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import inflect
from pydantic import BaseModel

from ..core.db import Base
from ..core.models import OwnedMixin
from .fields import FIELD_TYPES, ResourceField, Target

_NAME = re.compile(r"[a-z][a-z0-9_]*")
# PostgreSQL cuts identifiers at 63 bytes; the longest name derived from the plural is the
# owner index, ix_<plural>_owner_id_created_at.
MAX_PLURAL_LENGTH = 63 - len("ix__owner_id_created_at")
MAX_FIELD_LENGTH = 63
# PostgreSQL's limit for varchar(n).
MAX_STRING_LENGTH = 10_485_760
# Columns every resource has (from the mixins), and the owner the service functions take.
RESERVED_FIELDS = frozenset(
    {name for cls in OwnedMixin.__mro__ for name in getattr(cls, "__annotations__", {})} | {"owner"}
)


class GeneratorError(Exception):
    """Bad input or a failed step; the message is one line for the developer."""


@dataclass(frozen=True)
class Resource:
    name: str  # singular, snake_case: line_item
    plural: str  # line_items: the package, the table and the tests' folder
    fields: tuple[ResourceField, ...]
    export: bool = False  # `POST /<plural>/export`: every row of the caller, as a job

    @property
    def values(self) -> tuple[ResourceField, ...]:
        """The fields that are not references: the tests' sample bodies are made of them."""
        return tuple(field for field in self.fields if field.target is None)

    @property
    def references(self) -> tuple[ResourceField, ...]:
        return tuple(field for field in self.fields if field.target is not None)

    @property
    def required_references(self) -> tuple[ResourceField, ...]:
        return tuple(field for field in self.references if not field.optional)

    @property
    def filters(self) -> tuple[ResourceField, ...]:
        """The fields the list filters on, `?NAME=`."""
        return tuple(field for field in self.fields if field.type.filter)

    @property
    def class_name(self) -> str:
        return camel(self.name)

    @property
    def plural_class_name(self) -> str:
        return camel(self.plural)

    @property
    def rows(self) -> str:
        """The service's `Owned` rows: TODOS, LINE_ITEMS."""
        return self.plural.upper()

    @property
    def url_segment(self) -> str:
        return self.plural.replace("_", "-")

    @property
    def words(self) -> str:
        return self.name.replace("_", " ")

    @property
    def plural_words(self) -> str:
        return self.plural.replace("_", " ")


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _check_name(name: str, what: str) -> None:
    if not _NAME.fullmatch(name):
        raise GeneratorError(
            f"{what} {name!r} is not a lower-case identifier (letters, digits and underscores, "
            "starting with a letter)"
        )
    if keyword.iskeyword(name):
        raise GeneratorError(f"{what} {name!r} is a Python keyword; choose another")


def plural_of(name: str) -> str:
    """English plural of the last word: line_item -> line_items, category -> categories."""
    *head, last = name.split("_")
    return "_".join([*head, inflect.engine().plural_noun(last)])


def singular_of(name: str) -> str | None:
    """The singular when `name` reads as a plural (widgets -> widget, line_items -> line_item),
    else None. inflect strips an s from bus, status or analysis as readily as from widgets,
    so a name counts as plural only when inflect also has no plural of its own for it
    (widgetss, where bus has buses). Plurals of words ending in a vowel (menus, taxis) look
    like bus and pass as singulars. That the singular's plural gives the name back is not
    asked: it would pass thieves (thief -> thiefs) and todos (todo -> todoes)."""
    *head, last = name.split("_")
    engine = inflect.engine()
    singular = engine.singular_noun(last)
    if not singular or singular == last or engine.plural_noun(last) != f"{last}s":
        return None
    return "_".join([*head, singular])


def with_singulars(names: Collection[str]) -> set[str]:
    """`names` and the singular of each plural among them: todos -> todo (whose plural, by
    the English rule, would be todoes)."""
    engine = inflect.engine()
    return {*names, *(singular for name in names if (singular := engine.singular_noun(name)))}


def _parse_length(spec: str, type_name: str, length: str) -> int:
    """The LENGTH of `NAME:TYPE:LENGTH`, for a type that takes one."""
    if not FIELD_TYPES[type_name].length:
        takers = ", ".join(name for name, known in FIELD_TYPES.items() if known.length)
        raise GeneratorError(f"--field {spec!r}: only {takers} takes a length")
    if not length.isdigit() or not 1 <= int(length) <= MAX_STRING_LENGTH:
        raise GeneratorError(
            f"--field {spec!r}: the length must be a whole number from 1 to {MAX_STRING_LENGTH}"
        )
    return int(length)


def _target(spec: str, name: str, targets: Mapping[str, Target]) -> Target:
    """The existing resource `NAME:ref` names, by its singular."""
    if name in targets:
        return targets[name]
    singulars = {target.plural: singular for singular, target in targets.items()}
    close = singulars.get(name) or next(iter(difflib.get_close_matches(name, targets, n=1)), "")
    hint = f"; did you mean {close}?" if close else ""
    known = ", ".join(sorted(targets)) or "none yet"
    raise GeneratorError(
        f"--field {spec!r}: no resource named {name!r} to refer to (resources: {known}){hint}"
    )


def _parse_field(spec: str, targets: Mapping[str, Target]) -> ResourceField:
    name, colon, type_spec = spec.partition(":")
    if not colon:
        raise GeneratorError(f"--field {spec!r}: expected NAME:TYPE (TYPE? for an optional one)")
    if not name:
        raise GeneratorError(f"--field {spec!r}: the field name is empty")
    _check_name(name, "field name")
    optional = type_spec.endswith("?")
    type_name, has_length, length = type_spec.removesuffix("?").partition(":")
    if type_name not in FIELD_TYPES:
        raise GeneratorError(
            f"--field {spec!r}: unknown type {type_name!r} (known: {', '.join(FIELD_TYPES)})"
        )
    target = _target(spec, name, targets) if type_name == "ref" else None
    if target is not None:
        name = f"{name}_id"  # the column, as owner_id is the owner's
    if name in RESERVED_FIELDS:
        raise GeneratorError(
            f"--field {spec!r}: every resource already has {', '.join(sorted(RESERVED_FIELDS))}"
        )
    if len(name) > MAX_FIELD_LENGTH:
        raise GeneratorError(f"--field {spec!r}: longer than {MAX_FIELD_LENGTH} characters")
    if hasattr(BaseModel, name) or hasattr(Base, name):
        raise GeneratorError(f"--field {spec!r}: {name} is taken by pydantic or SQLAlchemy")
    return ResourceField(
        name=name,
        type_name=type_name,
        optional=optional,
        length=_parse_length(spec, type_name, length) if has_length else 0,
        target=target,
    )


def _check_references(plural: str, fields: Sequence[ResourceField]) -> None:
    if all(field.target is not None for field in fields):
        raise GeneratorError("give at least one --field that is not a ref (its tests change it)")
    for field in fields:
        if field.target is not None:
            constraint = f"fk_{plural}_{field.name}_{field.target.plural}"
            if len(constraint) > MAX_FIELD_LENGTH:
                raise GeneratorError(
                    f"--field {field.name.removesuffix('_id')}:ref: its foreign key's name, "
                    f"{constraint}, is longer than PostgreSQL's {MAX_FIELD_LENGTH} characters"
                )


def parse_resource(
    name: str,
    field_specs: Sequence[str],
    plural: str | None,
    taken: Collection[str],
    *,
    export: bool = False,
    targets: Mapping[str, Target] | None = None,
) -> Resource:
    """Check every part of the request before anything is written. `taken` holds the names
    the project already uses (packages, modules, tables); `targets` the resources a `ref`
    field may name, by their singular."""
    _check_name(name, "resource name")
    # A --plural other than the name says the name is the singular, whatever inflect thinks.
    if plural is None and (singular := singular_of(name)):
        raise GeneratorError(
            f"{name!r} looks like a plural; did you mean {singular}? (give the singular; "
            "--plural sets the plural)"
        )
    plural = plural or plural_of(name)
    _check_name(plural, "plural")
    if plural == name:
        raise GeneratorError(f"{name!r} is its own plural; give a different one with --plural")
    if len(plural) > MAX_PLURAL_LENGTH:
        raise GeneratorError(f"plural {plural!r} is longer than {MAX_PLURAL_LENGTH} characters")
    taken = with_singulars(taken)
    for candidate in (name, plural):
        if candidate in taken:
            raise GeneratorError(f"{candidate!r} already exists in the project; choose another")
    if not field_specs:
        raise GeneratorError("no fields: give at least one --field NAME:TYPE")
    fields = [_parse_field(spec, targets or {}) for spec in field_specs]
    names = [field.name for field in fields]
    if duplicates := sorted({field for field in names if names.count(field) > 1}):
        raise GeneratorError(f"--field {duplicates[0]!r} is given more than once")
    _check_references(plural, fields)
    return Resource(name=name, plural=plural, fields=tuple(fields), export=export)
