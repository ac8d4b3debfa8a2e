"""The simulated athlete: a 2-D side-view body doing hinges, seen by a simulated camera."""
