"""Sign-in, roles and permission checks."""
