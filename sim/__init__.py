"""Pivot: a scenario-based strategic simulation of alignment and hedging between states."""

__version__ = "0.1.0"
