"""The lähitori guidance bot: first-contact service guidance with consented handoff."""
