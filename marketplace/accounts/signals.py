"""Events of accounts that domains above it act on, so that accounts never imports them (layers: accounts < catalog).

Receivers run inside the operation that sent the signal, in its transaction: what they write commits or rolls back
with it.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the Organization whose name changed (catalog reindexes its listings: they are found by the IKM's name).
organization_renamed = _signals.signal("organization-renamed")
