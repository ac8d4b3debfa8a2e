"""Recorded sets: the file formats, the coach's report as text, and replaying and annotating a
video."""
