"""The admin's pages: users, and each owned resource the domains list for it: list (search,
sort, filters), detail, create, edit, delete."""

import types
from typing import Any, ClassVar

from sqladmin import ModelView
from sqladmin.filters import BooleanFilter, ForeignKeyFilter
from sqlalchemy import Boolean, String, inspect, select
from sqlalchemy import Text as SAText
from starlette.requests import Request
from wtforms import Form, PasswordField, SelectField
from wtforms.validators import Email, InputRequired, Length, Optional

from ..core.models import OwnedMixin
from ..core.security import hash_password, in_hashing_thread
from ..users.models import User
from ..users.schemas import (
    EMAIL_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    normalise_email,
)

PASSWORD_FIELD = "password"  # noqa: S105  # nosec B105  # a form field's name
NEW_USER_NEEDS_PASSWORD = "A new user needs a password"  # noqa: S105  # nosec B105


class MissingPasswordError(ValueError):
    """Shown above the form: a user was to be created without a password."""


class UserAdmin(ModelView, model=User):
    """The password hash never leaves the database: it is in no list, detail, export or
    form. A password is set through a write-only field and hashed as the API does."""

    icon = "fa-solid fa-user"
    column_list = (
        User.id,
        User.email,
        User.full_name,
        User.is_active,
        User.is_superuser,
        User.is_verified,
        User.created_at,
    )
    column_details_exclude_list = (User.hashed_password,)
    column_export_exclude_list = [User.hashed_password]  # noqa: RUF012  # sqladmin's type
    column_searchable_list = (User.email, User.full_name)
    column_sortable_list = (User.id, User.email, User.full_name, User.created_at)
    column_default_sort = (User.id, True)
    column_filters = (
        BooleanFilter(User.is_active),
        BooleanFilter(User.is_superuser),
        BooleanFilter(User.is_verified),
    )
    form_columns = (User.email, User.full_name, User.is_active, User.is_superuser, User.is_verified)
    form_args: ClassVar[dict[str, dict[str, Any]]] = {
        "email": {"validators": [InputRequired(), Email(), Length(max=EMAIL_MAX_LENGTH)]}
    }

    async def scaffold_form(self, rules: list[str] | None = None) -> type[Form]:
        form = await super().scaffold_form(rules)
        password = PasswordField(
            "Password",
            validators=[Optional(), Length(min=PASSWORD_MIN_LENGTH, max=PASSWORD_MAX_LENGTH)],
            description="Empty keeps the current password.",
        )
        setattr(form, PASSWORD_FIELD, password)  # WTForms' metaclass adds it as a field
        return form

    async def on_model_change(
        self, data: dict[str, Any], model: Any, is_created: bool, request: Request
    ) -> None:
        # Taken out of `data`, so it is neither set on the model nor logged.
        password = data.pop(PASSWORD_FIELD, None)
        data["email"] = normalise_email(data["email"])
        if password:
            model.hashed_password = await in_hashing_thread(hash_password, password)
        elif is_created:
            raise MissingPasswordError(NEW_USER_NEEDS_PASSWORD)


class OwnedModelView(ModelView):
    """The pages of an owned resource, from its columns: the list shows all but long text,
    text is searchable, booleans are filters, and the owner is picked from the users."""

    icon = "fa-solid fa-list-check"
    column_labels: ClassVar[dict[Any, str]] = {"owner_id": "Owner"}

    async def scaffold_form(self, rules: list[str] | None = None) -> type[Form]:
        """sqladmin leaves foreign keys out of forms; the owner is picked from the users."""
        form = await super().scaffold_form(rules)
        async with self.session_maker() as session:
            users = (await session.execute(select(User.id, User.email).order_by(User.email))).all()
        form.owner_id = SelectField(
            "Owner",
            coerce=int,
            choices=[(user_id, email) for user_id, email in users],
            validators=[InputRequired()],
        )
        return form


def owned_model_view(model: type[OwnedMixin]) -> type[ModelView]:
    """The admin pages of `model`, an owned resource a domain lists in `admin_models`."""
    mixin_columns = {"id", "owner_id", "created_at", "updated_at"}
    own = [column for column in inspect(model).columns if column.key not in mixin_columns]
    text = [column.key for column in own if isinstance(column.type, String | SAText)]
    flags = [column.key for column in own if isinstance(column.type, Boolean)]
    short = [column.key for column in own if not isinstance(column.type, SAText)]
    attributes: dict[str, Any] = {
        "column_list": ["id", *short, "owner_id", "created_at"],
        "column_searchable_list": text,
        "column_sortable_list": ["id", *short, "created_at"],
        "column_default_sort": ("id", True),
        "column_filters": [
            *(BooleanFilter(getattr(model, name)) for name in flags),
            ForeignKeyFilter(model.owner_id, User.email, foreign_model=User, title="Owner"),
        ],
        "form_columns": [*(column.key for column in own), "owner_id"],
    }
    return types.new_class(
        f"{model.__name__}Admin",
        (OwnedModelView,),
        {"model": model},
        lambda namespace: namespace.update(attributes),
    )
