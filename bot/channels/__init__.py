"""Channel adapters: translate between a channel and the engine; no domain rules here."""
