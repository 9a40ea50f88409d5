"""The till's devices wired into the agent: configuration, the device manager, receipt spool,
simulated devices for demos, the local API's device endpoints and ``onecard devices check``.

Adapters come from ``devices.factory``; their callbacks run on the adapters' threads, so the
manager queues every event and applies it to the register's basket on one worker thread.
"""
