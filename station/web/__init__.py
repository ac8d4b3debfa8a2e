"""The coach page: a small web app, in its own process, over the session log."""
