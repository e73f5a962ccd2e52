"""Page helpers for browser tests: one class per page, reused by later tests (CONVENTIONS.md rule 7)."""
