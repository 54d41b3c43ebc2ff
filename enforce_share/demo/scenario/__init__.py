"""Synthetic scenarios: record drafts of five agencies with entity ground truth, from a seed."""

from .generate import Summary, generate_scenario, write_scenario

__all__ = ["Summary", "generate_scenario", "write_scenario"]
