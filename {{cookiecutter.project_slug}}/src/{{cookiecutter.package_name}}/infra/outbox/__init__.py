"""The transactional outbox: what a change has to set off (a job, a mail) is recorded in the
change's own transaction, and a relay hands it to the runner once the request is over."""

from ...core.domain import Domain, Schedule, every_purge
from .models import OutboxMessage
from .service import purge_sent

domain = Domain(
    name="outbox",
    models=(OutboxMessage,),
    schedules=(Schedule("outbox.purge-sent", purge_sent, every=every_purge),),
)
