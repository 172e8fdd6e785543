"""Use cases (服务): own the transaction, take the store and settings-derived objects as arguments."""
