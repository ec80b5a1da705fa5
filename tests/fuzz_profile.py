"""Hypothesis profiles for tests/test_fuzz_forms.py, loaded by tests/conftest.py.

- ``ci`` (the default): a fixed seed and a modest number of examples per form, so `make test` is
  deterministic and quick on both engines.
- ``deep``: many more random examples for a long local run: ``HYPOTHESIS_PROFILE=deep make test``
  (or ``HYPOTHESIS_PROFILE=deep .venv/bin/python -m pytest tests/test_fuzz_forms.py``); 1000 random
  examples per form, or ``FUZZ_EXAMPLES=n``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_SUPPRESSED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile(
    "ci", derandomize=True, max_examples=30, deadline=None, suppress_health_check=_SUPPRESSED, print_blob=True
)
settings.register_profile(
    "deep",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "1000")),
    deadline=None,
    suppress_health_check=_SUPPRESSED,
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
