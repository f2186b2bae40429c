"""Nashra: an open-source news aggregation portal for the Arabic press (with French beside it)."""

__version__ = "0.1.0"
