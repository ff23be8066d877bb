"""The admin's pages: users, and each owned resource the domains list for it: list (search,
sort, filters), detail, create, edit, delete."""

import types
from typing import Any, ClassVar

from sqladmin import ModelView
from sqladmin.filters import BooleanFilter, ForeignKeyFilter
from sqlalchemy import Boolean, String, inspect, select
from sqlalchemy import Text as SAText
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from wtforms import Field, Form, IntegerField, PasswordField, SelectField, ValidationError
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..core.config import Settings
from ..core.models import OwnedMixin
from ..core.owned import owned_references, unowned_reference
from ..core.schemas import MAX_DB_INT
from ..core.security import hash_password, in_hashing_thread
from ..identity.sessions import end_sessions
from ..users.exceptions import BuiltInRoleError, LastAdminError
from ..users.models import ADMIN, Role, User
from ..users.password_policy import password_problem
from ..users.roles import refuse_losing_last_admin
from ..users.schemas import EMAIL_MAX_LENGTH, normalise_email, validate_email_address

PASSWORD_FIELD = "password"  # noqa: S105  # nosec B105  # a form field's name
NEW_USER_NEEDS_PASSWORD = "A new user needs a password"  # noqa: S105  # nosec B105


class MissingPasswordError(ValueError):
    """Shown above the form: a user was to be created without a password."""


class AdminRuleError(ValueError):
    """Shown above the form: a change the API's rules refuse."""


def _api_email(_form: Form, field: Field) -> None:
    """The API's own check, so the admin takes exactly the addresses the API takes."""
    try:
        validate_email_address(field.data or "")
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class UserAdmin(ModelView, model=User):
    """The password hash never leaves the database: it is in no list, detail, export or
    form. A password is set through a write-only field, checked by the API's password policy
    and hashed as the API does."""

    settings: ClassVar[Settings]  # set by `user_admin`

    icon = "fa-solid fa-user"
    column_list = (
        User.id,
        User.email,
        User.full_name,
        User.is_active,
        User.roles,
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
        BooleanFilter(User.is_verified),
    )
    form_columns = (User.email, User.full_name, User.is_active, User.roles, User.is_verified)
    form_args: ClassVar[dict[str, dict[str, Any]]] = {
        "email": {"validators": [InputRequired(), Length(max=EMAIL_MAX_LENGTH), _api_email]}
    }

    def _password_policy(self, form: Form, field: Field) -> None:
        # Checked against the address being saved, as registration checks it.
        email = normalise_email(form["email"].data or "")
        min_length = self.settings.password_min_length
        if problem := password_problem(field.data, email=email, min_length=min_length):
            raise ValidationError(problem.message)

    async def scaffold_form(self, rules: list[str] | None = None) -> type[Form]:
        form = await super().scaffold_form(rules)
        password = PasswordField(
            "Password",
            validators=[Optional(), self._password_policy],
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
        if not is_created:
            await self._refuse_losing_last_admin(model, data)
        if not is_created and (password or data.get("is_active") is False):
            # As through the API: a new password or a deactivation logs the user out everywhere.
            async with self.session_maker() as session:
                await end_sessions(session, user_id=model.id)

    async def _refuse_losing_last_admin(self, model: User, data: dict[str, Any]) -> None:
        """The API's rule: the last active admin stays an active admin."""
        async with self.session_maker() as session:
            admin = await session.scalar(select(Role.id).where(Role.name == ADMIN))
            keeps_admin = str(admin) in map(str, data.get("roles", []))
            if data.get("is_active") is False or not keeps_admin:
                await _keep_an_admin(session, model.id)

    async def on_model_delete(self, model: Any, request: Request) -> None:
        async with self.session_maker() as session:
            await _keep_an_admin(session, model.id)


async def _keep_an_admin(session: AsyncSession, user_id: int) -> None:
    user = await session.get(User, user_id)
    try:
        if user is not None:
            await refuse_losing_last_admin(session, user=user)
    except LastAdminError as exc:
        raise AdminRuleError(exc.detail) from None


class RoleAdmin(ModelView, model=Role):
    """Roles, as the API has them: the built-in ones (admin, member) cannot be changed or
    deleted; a role's permissions are names from `GET /api/v1/permissions`."""

    icon = "fa-solid fa-user-shield"
    column_list = (Role.id, Role.name, Role.description, Role.permissions)
    column_searchable_list = (Role.name,)
    form_columns = (Role.name, Role.description, Role.permissions)

    async def on_model_change(
        self, data: dict[str, Any], model: Any, is_created: bool, request: Request
    ) -> None:
        if not is_created and model.is_built_in:
            raise AdminRuleError(BuiltInRoleError.detail)

    async def on_model_delete(self, model: Any, request: Request) -> None:
        if model.is_built_in:
            raise AdminRuleError(BuiltInRoleError.detail)


def user_admin(settings: Settings) -> type[UserAdmin]:
    """The users' pages, with the password policy these settings configure."""
    return types.new_class(
        "UserAdmin", (UserAdmin,), {}, lambda namespace: namespace.update(settings=settings)
    )


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
        # A reference (`new-resource NAME:ref`) is typed as an id, checked below.
        model: type[OwnedMixin] = self.model
        for name in owned_references(model):
            required = Optional() if inspect(model).columns[name].nullable else InputRequired()
            field = IntegerField(name, validators=[required, NumberRange(1, MAX_DB_INT)])
            setattr(form, name, field)
        return form

    async def on_model_change(
        self, data: dict[str, Any], model: Any, is_created: bool, request: Request
    ) -> None:
        """A reference must be to a row of the same owner, as in the API."""
        async with self.session_maker() as session:
            unowned = await unowned_reference(
                session, self.model, owner_id=data["owner_id"], values=data
            )
        if unowned:
            name, table = unowned
            raise ValueError(f"{name}: not the id of one of the owner's {table}")


def owned_model_view(model: type[OwnedMixin]) -> type[ModelView]:
    """The admin pages of `model`, an owned resource a domain lists in `admin_models`."""
    mixin_columns = {"id", "owner_id", "version", "created_at", "updated_at"}
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
