"""Flask extensions, created unbound and initialised in :func:`web.app.create_app`."""
from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from web.ratelimit import counted_by_view  # importing it registers the default storage, swept-memory://

csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
limiter.request_filter(counted_by_view)
