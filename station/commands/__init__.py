"""The subcommands of `station`, one module each."""
