"""HTTP adapters of the sync protocol (requests-based); the protocol core stays framework-free."""
