"""Pure domain rules: standard library only (plus :mod:`lantian.errors`)."""
