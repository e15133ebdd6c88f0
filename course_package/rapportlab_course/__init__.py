"""Rapport Lab's course, for instructors only: `rapportkit course new DIR` copies it into a course folder.

Holds every answer key (solutions/): never install it where students work.
"""
