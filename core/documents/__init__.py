"""Documents Duban issues: the official-document layout and the wording rules they share."""
