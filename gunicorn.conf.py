"""gunicorn reads this file when started from a checkout; see empower_api/gunicorn_conf.py."""

from empower_api.gunicorn_conf import *  # noqa: F403
