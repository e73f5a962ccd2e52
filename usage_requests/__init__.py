"""Stage 6 — use: requests, approvals, handover (berita acara), exports, programme flow, DCI API."""
