"""OneCard loyalty domain: members, cards, the points ledger (lots, expiry), earning, redemption,
returns, tiers, merges and the offline redemption allowance.

Pure: the standard library only, no I/O, no clock reads (time is always an argument), money in
integer minor units and points as ints. The server and every offline till run this same code.
"""
