"""The worker gunicorn serves the app with (gunicorn_conf.py names it): uvicorn's, without the
`server: uvicorn` header, which tells every client (and every scanner) what to attack."""

from typing import Any, ClassVar

from uvicorn_worker import UvicornWorker


# uvicorn-worker (and gunicorn beneath it) ship no type hints.
class Worker(UvicornWorker):  # type: ignore[misc]
    CONFIG_KWARGS: ClassVar[dict[str, Any]] = {
        **UvicornWorker.CONFIG_KWARGS,
        "server_header": False,
    }
