"""Page helpers for browser tests: one class per page, reused by later tests (docs/conventions.md rule 7)."""
