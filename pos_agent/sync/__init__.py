"""The agent's side of store sync: the feed puller (down), the journal sender (up), the link mode."""
