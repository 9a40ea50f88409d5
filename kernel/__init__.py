"""The shared kernel: the few pure rules that the loyalty domain, the pricing engine and the device
adapters must all apply identically, so each has one home.

* `kernel.shares`: splitting an amount over weights by largest remainder (discount shares,
  the points tender over a sale's lines).
* `kernel.barcodes`: GS1 check digits and what a scanned code is (member card, item, weighed or
  priced item).

Imports the standard library only, and no other project package: `devices` (which may import no
other project package) and the pure domain both import it. The contracts in `pyproject.toml` keep
it that way.
"""
