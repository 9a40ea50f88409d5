"""`onecard demo`: the server and two stores' tills on embedded defaults, with a seeded chain."""
