"""What happens to change requests, told to the other parts of the platform.

Blinker signals (as Flask's own): the change-request service sends them once
its change is in the session, and a part that cares connects a receiver when
the application is set up, so change requests never import the parts that
react (feedback closes the items a merged change came from).
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent by ``merging.merge`` with the application as sender and ``change_request`` (the merged row)
# before the merge is committed, so what receivers add to the session is saved with it.
change_request_merged = _signals.signal("change-request-merged")
