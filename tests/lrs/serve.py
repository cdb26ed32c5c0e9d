"""Serve Ralph's LRS on loopback for the xAPI tests: `.venv-lrs/bin/python serve.py PORT`.

Runs in Ralph's own venv (it imports nothing of the platform). The environment names the data
folder and the credentials file (see tests/lrs/conftest.py).
"""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

# Ralph 5.1's fs backend opens its file in create mode, so only the first POST ever succeeds.
FSLRSBackend.default_operation_type = BaseOperationType.APPEND

from ralph.api import app  # noqa: E402 - the backend must be patched before the app builds it

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
