"""Database backends that let failure records outlive a rolled-back transaction (see reliability.errors)."""
