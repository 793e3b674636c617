"""Flask extensions, created unbound and initialised in :func:`web.app.create_app`."""
from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

import web.ratelimit  # noqa: F401  (registers the default limiter storage, swept-memory://)

csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
