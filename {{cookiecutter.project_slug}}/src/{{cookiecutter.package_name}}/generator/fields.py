"""The field types `new-resource` knows: how each is stored, validated, and tested."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldType:
    """One `--field NAME:TYPE`. Text in braces is filled in: `{CONST}` becomes the field's name
    in upper case, `{LENGTH}` its length (`NAME:str:LENGTH`) and `{TOO_LONG}` one more;
    `imports` maps a generated module (`models`, `schemas`) to `(module, name)` pairs. A
    reference also fills `{TABLE}`, the referenced table, and `{ON_DELETE}`."""

    python: str  # the attribute's type in the model and the answer
    column: str = ""  # mapped_column's type, when `Mapped[python]` alone would not say it
    constants: tuple[str, ...] = ()  # the model module's bounds, imported by the schemas
    schema: str = ""  # the request type, when it is more than `python`
    imports: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    samples: tuple[str, str] = ("", "")  # two valid JSON values, as Python, as answered
    invalid: tuple[tuple[str, str], ...] = ()  # (why, a JSON value as Python) answered 422
    length: int = 0  # the default of `NAME:TYPE:LENGTH`, for the types that take one
    default: str = ""  # a required field's value when the request leaves it out, as Python
    filter: bool = False  # the list takes `?NAME=` to keep only the rows with that value
    query: str = ""  # the filter's bounds, as `Query(...)` arguments before its description


_BOUNDED_TEXT = (("..core.schemas", "Text"), ("pydantic", "Field"), ("typing", "Annotated"))

FIELD_TYPES: dict[str, FieldType] = {
    "str": FieldType(
        python="str",
        column="String({CONST}_MAX_LENGTH)",
        constants=("{CONST}_MAX_LENGTH = {LENGTH}",),
        schema="Annotated[Text, Field(min_length=1, max_length={CONST}_MAX_LENGTH)]",
        imports={"models": (("sqlalchemy", "String"),), "schemas": _BOUNDED_TEXT},
        samples=('"A short text"', '"Another short text"'),
        invalid=(
            ("empty", '""'),
            ("too-long", '"x" * {TOO_LONG}'),
            ("nul", '"a\\x00b"'),
            ("number", "42"),
        ),
        length=255,
    ),
    "text": FieldType(
        python="str",
        column="Text",
        schema="Annotated[Text, Field(max_length=10_000)]",
        imports={"models": (("sqlalchemy", "Text"),), "schemas": _BOUNDED_TEXT},
        samples=('"Some longer text,\\nover two lines."', '"Other text"'),
        invalid=(("too-long", '"x" * 10_001'), ("nul", '"a\\x00b"'), ("number", "42")),
    ),
    "int": FieldType(
        python="int",
        # PostgreSQL's `integer`: a bigger number would fail in the database, not validation.
        schema="Annotated[int, Field(ge=MIN_DB_INT, le=MAX_DB_INT)]",
        imports={
            "schemas": (
                ("..core.schemas", "MAX_DB_INT"),
                ("..core.schemas", "MIN_DB_INT"),
                ("pydantic", "Field"),
                ("typing", "Annotated"),
            )
        },
        samples=("42", "-7"),
        invalid=(
            ("too-big", "2**31"),
            ("too-small", "-(2**31) - 1"),
            ("fraction", "1.5"),
            ("string", '"42"'),
            ("bool", "True"),
        ),
    ),
    "float": FieldType(
        python="float",
        schema="Annotated[float, Field(allow_inf_nan=False)]",
        imports={"schemas": (("pydantic", "Field"), ("typing", "Annotated"))},
        samples=("1.5", "-0.25"),
        invalid=(
            ("nan", 'float("nan")'),
            ("infinity", 'float("inf")'),
            ("string", '"1.5"'),
            ("bool", "True"),
        ),
    ),
    "bool": FieldType(
        python="bool",
        samples=("True", "False"),
        invalid=(("string", '"yes"'), ("number", "0")),
        # A flag that is not sent is off; a list is often asked for its rows with a flag on.
        default="False",
        filter=True,
    ),
    "date": FieldType(
        python="date",
        schema="IsoDate",
        imports={
            "models": (("datetime", "date"),),
            "schemas": (("datetime", "date"), ("..core.schemas", "IsoDate")),
        },
        samples=('"2026-11-23"', '"1999-12-31"'),
        invalid=(("impossible", '"2026-02-30"'), ("words", '"someday"'), ("unix-time", "86400")),
    ),
    "datetime": FieldType(
        python="datetime",
        column="UTCDateTime",
        schema="UTCTimestamp",
        imports={
            "models": (("datetime", "datetime"), ("..core.db", "UTCDateTime")),
            "schemas": (("datetime", "datetime"), ("..core.schemas", "UTCTimestamp")),
        },
        samples=('"2026-11-23T12:30:00Z"', '"1999-12-31T23:59:59.500000Z"'),
        invalid=(
            ("no-offset", '"2026-11-23T12:30:00"'),
            ("before-year-1-in-utc", '"0001-01-01T00:00:00+01:00"'),
            ("words", '"noon"'),
            ("unix-time", "0"),
        ),
    ),
    "decimal": FieldType(
        python="Decimal",
        column="ExactDecimal({CONST}_PRECISION, {CONST}_SCALE)",
        constants=("{CONST}_PRECISION = 12", "{CONST}_SCALE = 2"),
        schema=(
            "Annotated[DecimalNumber, "
            "Field(max_digits={CONST}_PRECISION, decimal_places={CONST}_SCALE)]"
        ),
        imports={
            "models": (("decimal", "Decimal"), ("..core.db", "ExactDecimal")),
            "schemas": (
                ("decimal", "Decimal"),
                ("..core.schemas", "DecimalNumber"),
                ("pydantic", "Field"),
                ("typing", "Annotated"),
            ),
        },
        samples=('"1234.50"', '"-0.05"'),
        invalid=(
            ("too-many-places", '"1.234"'),
            ("too-many-digits", '"12345678901.00"'),
            ("nan", '"NaN"'),
            ("infinity", '"Infinity"'),
            ("words", '"a lot"'),
        ),
    ),
    # `NAME:ref`: the id of the caller's own NAME (an existing resource), as `NAME_id`.
    # Owned's writes check that the caller owns it, from the foreign key alone.
    "ref": FieldType(
        python="int",
        column='ForeignKey("{TABLE}.id", ondelete="{ON_DELETE}"), index=True',
        schema="Annotated[int, Field(ge=1, le=MAX_DB_INT)]",
        imports={
            "models": (("sqlalchemy", "ForeignKey"),),
            "schemas": (
                ("..core.schemas", "MAX_DB_INT"),
                ("pydantic", "Field"),
                ("typing", "Annotated"),
            ),
            "router": (("..core.schemas", "MAX_DB_INT"),),
        },
        invalid=(("zero", "0"), ("too-big", "2**31"), ("string", '"1"'), ("bool", "True")),
        filter=True,
        # A bigger number would fail in the database (PostgreSQL's integer), not validation.
        query="ge=1, le=MAX_DB_INT, ",
    ),
}


@dataclass(frozen=True)
class Target:
    """The existing resource a reference points to."""

    name: str  # singular: project
    plural: str  # its package, table and tests' folder: projects

    @property
    def rows(self) -> str:
        """Its tests' URL constant: PROJECTS."""
        return self.plural.upper()

    @property
    def plural_words(self) -> str:
        return self.plural.replace("_", " ")


@dataclass(frozen=True)
class ResourceField:
    """A field of the resource being generated, with its type's code filled in."""

    name: str
    type_name: str
    optional: bool
    length: int = 0  # for a type that takes one; 0: the type's default
    target: Target | None = None  # for a reference (its name is then `<target>_id`)

    @property
    def type(self) -> FieldType:
        return FIELD_TYPES[self.type_name]

    def _fill(self, code: str) -> str:
        length = self.length or self.type.length
        code = (
            code.replace("{CONST}", self.name.upper())
            .replace("{LENGTH}", str(length))
            .replace("{TOO_LONG}", str(length + 1))
        )
        if self.target is not None:
            # A required reference goes with its row (like a row with its owner); an optional
            # one is only cleared.
            on_delete = "SET NULL" if self.optional else "CASCADE"
            code = code.replace("{TABLE}", self.target.plural).replace("{ON_DELETE}", on_delete)
        return code

    @property
    def constants(self) -> list[str]:
        return [self._fill(constant) for constant in self.type.constants]

    @property
    def constant_names(self) -> list[str]:
        return [constant.split(" = ")[0] for constant in self.constants]

    @property
    def python(self) -> str:
        return f"{self.type.python} | None" if self.optional else self.type.python

    @property
    def default(self) -> str:
        """The value a create request that leaves the field out stores: None for an optional
        field, else the type's default, if it has one ("" when the field must be sent)."""
        return "None" if self.optional else self.type.default

    @property
    def column(self) -> str:
        """mapped_column's arguments, when `Mapped[python]` alone would not say it all."""
        arguments = [self._fill(self.type.column)] if self.type.column else []
        if self.type.default and not self.optional:
            arguments.append(f"default={self.type.default}")
        return ", ".join(arguments)

    @property
    def invalid(self) -> tuple[tuple[str, str], ...]:
        return tuple((why, self._fill(value)) for why, value in self.type.invalid)

    @property
    def alias(self) -> str:
        """The request type's name: the field in CamelCase when it has constraints."""
        return self.name.title().replace("_", "") if self.type.schema else self.type.python

    @property
    def schema(self) -> str:
        return self._fill(self.type.schema)

    def imports(self, module: str) -> tuple[tuple[str, str], ...]:
        return self.type.imports.get(module, ())
