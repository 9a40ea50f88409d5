"""Sales priced by the engine in worker processes while the main process records the ones before.

The engine is pure (``promotions.price_basket``): a worker given the same chain and sale computes
the figures the main process would, so the rows do not depend on the number of workers. Workers
are forked once the chain's products and promotions are built and read only those; each sale's
member state (lots, redemptions) stays in the main process, which records the sales in order.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from promotions.result import PricedBasket
from server.demo.baskets import Sale, price
from server.demo.chain import Chain

CHUNK = 64  # sales a worker takes at a time: large enough that pickling is not the cost

_chain: Chain | None = None  # a worker's copy, inherited at the fork


def _price(sale: Sale) -> PricedBasket:
    return price(_chain, sale)


@contextmanager
def pricing(chain: Chain, workers: int) -> Iterator[Callable[[list[Sale]], Iterable[PricedBasket]]]:
    """A function giving each sale's priced basket in the sales' order: in this process when
    ``workers`` is 0, else from a pool of that many forked workers while the caller goes on."""
    if workers < 1:
        yield lambda sales: (price(chain, sale) for sale in sales)
        return
    global _chain
    _chain = chain
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield lambda sales: pool.imap(_price, sales, chunksize=CHUNK)
    finally:
        _chain = None
