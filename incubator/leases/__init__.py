"""Leases on units."""
