"""Athletes' cards: printing them (sheet) and knowing them again on camera frames (reader)."""
