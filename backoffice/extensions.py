"""The Flask extensions, created unbound and initialised in create_app()."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from backoffice.models.base import Base

db = SQLAlchemy(model_class=Base)
# How long a write on SQLite waits for the one write lock (an import holds it until it commits: issue 13).
SQLITE_BUSY_TIMEOUT_MS = 60_000
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()

# Sign-in throttling. Storage: RATELIMIT_STORAGE_URI (memory:// by default, the Redis at REDIS_URL when set);
# the limits themselves are declared on the views (backoffice/auth/throttle.py).
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
