"""Which django-q2 task the running code belongs to, so a failure record names it.

A support code then links the webhook (subject, e.g. ``inbound:42``), the task (id, function) and the
Twilio SID (in the context) in one ErrorEvent. Connected to django-q2's own worker signals: code we
do not own, hooked the way it offers.
"""

from contextvars import ContextVar

from django_q.signals import post_execute_in_worker, pre_execute

_current: ContextVar[dict | None] = ContextVar("djobea_task", default=None)


def current_task() -> dict:
    """``{"task_id", "task_name", "task_func"}`` inside a task-cluster task; empty elsewhere."""
    return dict(_current.get() or {})


def _task_started(sender, func, task, **kwargs) -> None:
    func_name = task.get("func")
    _current.set({
        "task_id": str(task.get("id", "")),
        "task_name": str(task.get("name", "")),
        "task_func": func_name if isinstance(func_name, str) else getattr(func_name, "__qualname__", ""),
    })


def _task_finished(sender, func, task, **kwargs) -> None:
    _current.set(None)


def connect() -> None:
    pre_execute.connect(_task_started, dispatch_uid="djobea.task_started")
    post_execute_in_worker.connect(_task_finished, dispatch_uid="djobea.task_finished")
