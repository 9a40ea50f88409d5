"""Sales priced by the engine in worker processes while the main process records the ones before.

The engine (``promotions.price_basket``) and the earning rules (``loyalty.earning``) are pure: a
worker given the same chain, programme and sale computes the figures the main process would, so
the rows do not depend on the number of workers. Workers
are forked once the chain's products and promotions are built and read only those; each sale's
member state (lots, redemptions) stays in the main process, which records the sales in order.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from server.demo.baskets import Sale
from server.demo.chain import Chain
from server.demo.sales import Priced, price_sale

CHUNK = 64  # sales a worker takes at a time: large enough that pickling is not the cost

_given: tuple | None = None  # a worker's (chain, programme), inherited at the fork


def _price(sale: Sale) -> Priced:
    return price_sale(*_given, sale)


@contextmanager
def pricing(chain: Chain, program, workers: int) -> Iterator[Callable[[list[Sale]], Iterable[Priced]]]:
    """A function giving each sale priced (``sales.price_sale``) in the sales' order: in this
    process when ``workers`` is 0, else from a pool of that many forked workers while the caller
    goes on."""
    if workers < 1:
        yield lambda sales: (price_sale(chain, program, sale) for sale in sales)
        return
    global _given
    _given = (chain, program)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield lambda sales: pool.imap(_price, sales, chunksize=CHUNK)
    finally:
        _given = None
