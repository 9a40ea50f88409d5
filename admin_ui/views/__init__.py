"""The back office's pages, one module per audience; each adds its routes to ``admin_ui.blueprint.bp``."""
