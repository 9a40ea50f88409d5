"""Server side of the loyalty core: persistence and use cases around the pure `loyalty` package."""
