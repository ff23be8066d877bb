{%- set parts = [] -%}
{%- if cookiecutter.observability != "none" %}{% set parts = parts + ["metrics"] %}{% endif -%}
{%- if cookiecutter.observability == "otel" %}{% set parts = parts + ["tracing"] %}{% endif -%}
{%- if cookiecutter.admin == "y" %}{% set parts = parts + ["admin"] %}{% endif -%}
"""The optional parts of this bake, mounted in this order: a later part's middleware wraps an
earlier one's."""
{% if "admin" in parts %}
from .admin.setup import part as admin
{%- endif %}
from .core.part import Part
{%- if "metrics" in parts %}
from .infra.metrics import part as metrics
{%- endif %}
{%- if "tracing" in parts %}
from .infra.tracing import part as tracing
{%- endif %}

PARTS: tuple[Part, ...] = ({{ parts | join(", ") }}{{ "," if parts | length == 1 else "" }})
