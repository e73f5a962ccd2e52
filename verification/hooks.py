"""The verification stage's registrations with the core's registration points (docs/design.md §3):
dashboard queues, panels, notifications, demo. Imported by VerificationConfig.ready()."""
