"""Settings of the Celery workers that the fault tests start and kill.

The developer's settings, with the test's own queue as the default one, so that a retry or a task
queued by a task (the receipt after a gift) comes back to the worker under test and to no other.
"""

import os

from config.settings.local import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["FAULTS_QUEUE"]
