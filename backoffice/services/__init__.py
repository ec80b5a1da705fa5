"""Domain operations: plain functions taking a session and the acting user.

A service does the whole transition and flushes; the caller commits once. Importing this package runs
nothing: each service calls the others it needs directly.
"""
