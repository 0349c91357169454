"""The staff console: a browser workplace for lähitori staff (README, Staff console)."""
