"""Fault tests: the real system on the `redis` profile, broken on purpose."""

# Callbacks lost while a process was down are fetched 15 s after the tune's ETA.
FAST_RECONCILE = {"RECONCILE_OVERDUE_MINUTES": "0.25"}
