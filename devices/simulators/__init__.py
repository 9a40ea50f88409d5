"""Protocol-level device simulators: a vpcd virtual card (and a pcscd runner), a scanner writing
to a pty, and a TCP ESC/POS printer sink with its decoder. Used by tests, the benchmark and the
demo; each speaks the real protocol so the real adapters run unchanged against them."""
