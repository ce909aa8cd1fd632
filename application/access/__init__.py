"""Access: API tokens, the principal they stand for, and the authorization rules."""
