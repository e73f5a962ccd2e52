"""Stage 2–3 — verification and validation (verval), field visits, regency submissions, province review, QA."""
