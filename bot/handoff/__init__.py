"""Domain rules of the handoff: routing, consent, opening hours, notifications; used by every channel."""
