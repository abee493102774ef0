"""Process state in one place: settings, AWS clients, the cursor secret, the clock and the fault hook.

Everything here is made on first use and cached for the life of an execution environment;
`reset()` forgets all of it at once (the tests between cases, the local stack when it points the
process at its own endpoints). Nothing else keeps process state.
"""

from __future__ import annotations

from collections.abc import Callable

# Test hook: called with the name of each step of the claim protocol, so a crash can be injected there.
_fault: Callable[[str], None] | None = None


def step(name: str) -> None:
    """Mark a step of the claim protocol (services.claim_saga): a test's fault hook may raise here."""
    if _fault is not None:
        _fault(name)


def set_fault(hook: Callable[[str], None] | None) -> None:
    """Install a hook called at every step of the claim protocol (None removes it)."""
    global _fault
    _fault = hook


def reset() -> None:
    """Forget settings, clients, the cursor secret, the catalogue copy, the clock and the fault hook."""
    from cme_ledger import clock
    from cme_ledger.api import cursor
    from cme_ledger.config import reset_settings
    from cme_ledger.services import catalog

    reset_settings()
    reset_clients()
    cursor.reset_secret()
    catalog.forget()
    clock.set_clock(None)
    set_fault(None)


def reset_clients() -> None:
    """Forget every AWS client and the models' table connections: each is made again on first use."""
    from cme_ledger.store import board_reports, db, objects, queue, reminders, signing

    db.unbind()
    objects.reset_clients()
    queue.reset_clients()
    board_reports.reset_clients()
    signing.reset_clients()
    reminders.reset_clients()
