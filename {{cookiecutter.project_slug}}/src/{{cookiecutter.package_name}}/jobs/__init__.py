"""Background jobs: queued by the domains that own their kinds, run after the answer, their
status and result kept in the `jobs` table whichever runner runs them. This package knows
no domain: the kinds and what they do come from the domain registry."""

from ..core.domain import Domain
from .dependencies import PERMISSIONS
from .models import Job
from .router import router

domain = Domain(name="jobs", routers=(router,), models=(Job,), permissions=PERMISSIONS)
