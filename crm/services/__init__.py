"""Domain logic: plain typed functions that take the acting user, flush, and leave the
commit to the caller (a view or a CLI command)."""
