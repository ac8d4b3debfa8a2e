"""The session log's schema and its readers: roster, sets, history, audit, export."""
