"""Self-test session setup shared by every folder under tests/."""

from __future__ import annotations

# httpx imports httpcore lazily (when the first client is built) and caches the httpcore
# exception classes it translates. pytester's in-process runs restore sys.modules afterwards,
# so a first import inside one of them leaves httpx mapping classes of a module that is later
# imported again as new objects: ConnectError & co. then escape untranslated, depending on
# test order under xdist. Importing httpcore here keeps one module for the whole session.
import httpcore  # noqa: F401
