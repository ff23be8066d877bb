{%- set admin = cookiecutter.admin == "y" -%}
"""Todos, each owned by the user who created it."""

from ..core.domain import Domain
from .dependencies import PERMISSIONS
from .models import Todo
from .router import EXPORT_JOB, router
from .service import export_todos

domain = Domain(
    name="todos",
    routers=(router,),
    models=(Todo,),
{%- if admin %}
    admin_models=(Todo,),
{%- endif %}
    jobs={EXPORT_JOB: export_todos},
    permissions=PERMISSIONS.declared(),
)
