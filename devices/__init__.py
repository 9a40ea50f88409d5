"""Device layer: card readers (PC/SC), barcode scanners (serial), receipt printers (ESC/POS).

Small interfaces with events in (a callback) and commands out. Imports no other project
package but ``loyalty.barcodes`` (what a scanned code is: pure, standard library only); the POS agent
wires these adapters to the basket. See ``protocols`` for the ports,
``events`` for what devices report and ``simulators`` for protocol-level test doubles.
"""
