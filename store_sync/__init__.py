"""The sync protocol between the central server and store agents: signing, schemas, feeds, journals."""
