"""Spaces: carriers, buildings, units and occupancy."""
