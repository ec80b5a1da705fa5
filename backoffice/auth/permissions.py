"""Moved to backoffice/models/roles.py (the services' rules need the roles, so they live below them).

This re-export remains only for the views another change of issue 9 rewrites at the same time
(auth/views.py, portal.py, admin/shared_accounts.py, admin/users.py); once those import from
``backoffice.models.roles`` this module goes.
"""

from backoffice.models.roles import LANGUAGES, PERMISSIONS, ROLE_LABELS, ROLES, can  # noqa: F401
