"""Maintenance's rules as plain Python: which tick a run is, whatever the replica."""
