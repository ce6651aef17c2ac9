"""The spool: signed webhook requests kept on local disk while the database is unavailable.

When the insert fails because the database is gone (OperationalError / InterfaceError), the
webhook writes the raw signed body here (temp file, fsync, rename, fsync of the directory) and
answers 200: Twilio does not retry an inbound webhook, so this file is the message's only copy.
``spool_drain`` stores the files once the database is back (once per MessageSid, or per
(MessageSid, status) for callbacks, since storage is idempotent) and deletes them. Several
processes may drain at once: each file is taken under an exclusive ``flock``.
"""

import fcntl
import json
import logging
import os
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections
from django.utils import timezone

from messaging.inbound.callbacks import callback_store
from messaging.inbound.signed import RejectedRequest, parse_form
from messaging.inbound.store import inbound_receive

logger = logging.getLogger(__name__)

DATABASE_DOWN = (OperationalError, InterfaceError)
MESSAGES, STATUS = "messages", "status"
REJECTED_DIR = "rejected"  # files that can never be stored, kept for staff instead of deleted


def spool_dir() -> Path:
    return Path(settings.INBOUND_SPOOL_DIR)


def spool_write(*, kind: str, body: bytes) -> Path:
    """Durably write one signed request; raises OSError if the disk refuses (the caller answers 503)."""
    directory = spool_dir()
    directory.mkdir(parents=True, exist_ok=True)
    record = {"kind": kind, "body": body.decode("utf-8"), "received_at": timezone.now().isoformat()}
    name = f"{time.time_ns():020d}-{kind}-{uuid.uuid4().hex}.json"
    temp = directory / f".{name}.tmp"
    with open(temp, "w", encoding="utf-8") as handle:
        json.dump(record, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, directory / name)
    _fsync_dir(directory)
    logger.warning("database unavailable: %s webhook spooled to disk as %s", kind, name)
    return directory / name


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def spool_pending() -> list[Path]:
    directory = spool_dir()
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.glob("*.json") if path.is_file())


def spool_drain() -> dict[str, int]:
    """Store every spooled request, oldest first; stops at the first sign the database is still down."""
    counts = {"stored": 0, "rejected": 0, "left": 0}
    pending = spool_pending()
    for index, path in enumerate(pending):
        try:
            outcome = _drain_one(path)
        except DATABASE_DOWN:
            counts["left"] = len(pending) - index
            logger.warning("spool drain: database still unavailable, %s spooled requests wait", counts["left"])
            break
        if outcome:
            counts[outcome] += 1
    return counts


def _drain_one(path: Path) -> str | None:
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115 (held open for the lock's lifetime)
    except FileNotFoundError:
        return None  # another process drained it
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # another process holds it right now
        if not path.exists():
            return None
        outcome = _store(path, handle.read())
        if outcome == "stored":
            path.unlink()
        return outcome


def _store(path: Path, text: str) -> str:
    try:
        record = json.loads(text)
        params = parse_form(record["body"].encode("utf-8"))
        if record["kind"] == MESSAGES:
            inbound_receive(data=params, received_at=datetime.fromisoformat(record["received_at"]))
        elif record["kind"] == STATUS:
            callback_store(params)
        else:
            raise ValueError(f"unknown spooled webhook kind {record['kind']!r}")
    except (ValueError, KeyError, TypeError, RejectedRequest) as exc:
        _reject(path, exc)
        return "rejected"
    return "stored"


def _reject(path: Path, exc: Exception) -> None:
    from reliability.errors import record_error

    target = spool_dir() / REJECTED_DIR
    target.mkdir(exist_ok=True)
    os.replace(path, target / path.name)
    record_error(category="inbound.spool", exc=exc, subject=f"spool:{path.name}",
                 message=f"spooled webhook {path.name} cannot be stored and was set aside: {exc}",
                 context={"file": str(target / path.name)})


# --- The drain loop of a web process ---------------------------------------------------------

_loop_lock = threading.Lock()
_loop_pid: int | None = None


def spool_drain_loop_start() -> None:
    """Start this process's drain thread once (web processes; the spool is on this machine's disk)."""
    global _loop_pid
    with _loop_lock:
        if _loop_pid == os.getpid():
            return
        _loop_pid = os.getpid()
    threading.Thread(target=_drain_forever, name="inbound-spool-drain", daemon=True).start()


def _drain_forever() -> None:
    while True:
        if spool_pending():
            close_old_connections()  # a connection broken by the outage is replaced, not reused
            try:
                spool_drain()
            except Exception:  # noqa: BLE001 (the loop must outlive any one failure; logged with traceback)
                logger.exception("spool drain failed; retrying in %s s", settings.INBOUND_SPOOL_DRAIN_SECONDS)
            finally:
                close_old_connections()
        time.sleep(settings.INBOUND_SPOOL_DRAIN_SECONDS)
