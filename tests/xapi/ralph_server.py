"""Ralph's LRS server for the tests (run by Ralph's own Python, in .venv/ralph).

Ralph's file-system backend creates its statements file on the first write and refuses
every later one ("already exists and overwrite is not allowed"); a real LRS takes
statements for as long as it runs, so here it appends. Everything else is Ralph's:
its API, its statement models (which validate what elearn sends), and its duplicate checks.
Usage: python ralph_server.py <port>
"""
import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

from ralph.api import app  # noqa: E402  (after the backend is set to append)

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
