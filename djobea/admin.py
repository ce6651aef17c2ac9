"""Admin settings for apps we do not own."""

from django_q.admin import resubmit_task

# django-q2's "resubmit" runs any stored task again, yet asks for no permission beyond seeing the
# list: it needs the change permission on that list (Success or Failure), like every other action.
resubmit_task.allowed_permissions = ("change",)
