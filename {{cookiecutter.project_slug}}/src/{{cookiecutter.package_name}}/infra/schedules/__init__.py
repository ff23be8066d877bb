"""Running the domains' schedules: each tick once, however many processes run them."""

from ...core.domain import Domain
from .models import ScheduleTick

domain = Domain(name="schedules", models=(ScheduleTick,))
