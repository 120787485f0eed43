"""The time-credit ledger: accounts, append-only transfers, credit rules."""
