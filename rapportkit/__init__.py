"""Rapport Lab course kit: skills analysis, role-plays, widgets, plots and grading helpers."""

__version__ = "0.1.0"
