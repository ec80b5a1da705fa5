"""Domain operations: plain functions taking a session and the acting user.

A service does the whole transition and flushes; the caller commits once.
"""

# Aggregates that hook into others' transitions (customers cascade with organizations) register
# themselves when imported; import them here so the hooks exist wherever a service is used.
from backoffice.services import customers as _customers  # noqa: E402,F401
from backoffice.services import sharing as _sharing  # noqa: E402,F401
from backoffice.services import settings as _settings  # noqa: E402,F401  (tracks the settings row)
