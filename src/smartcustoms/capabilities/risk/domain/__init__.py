"""The pure core of risk targeting: selection policy, random dispatch and re-inspection, rules, batches.

No I/O, no SQLAlchemy, no `random`, no wall clock: every random decision takes a `VerifiableDraws`."""
