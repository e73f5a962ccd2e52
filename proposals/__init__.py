"""Stage 1 — proposals (usulan): musyawarah and its items, self-registration, ministry proposals, import.

Built in the Proposals issue; the app is registered now so the layout and migrations are stable.
"""
