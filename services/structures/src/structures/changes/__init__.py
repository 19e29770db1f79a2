"""Every change staff can make, one function each: the state change and its events
(through the outbox) in the caller's transaction, nothing written when a check fails.

The caller (the HTTP layer, a CLI command) opens the transaction and has already decided
that the principal may act on the structure; the functions receive the principal only to
audit what the admin does.
"""
