"""The checkout: baskets priced by the shared engine, members, points, tenders and completion."""
