"""Units (单位) and their hierarchy."""
