"""Stages 4–5 — assessment, determination runs and the status check; drives registry periods and versions."""
