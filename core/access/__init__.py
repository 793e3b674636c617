"""Users, roles and the one place that scopes what a user may see and change."""
