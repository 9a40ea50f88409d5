"""The back office: server-rendered pages for member service, marketing, HQ and operators.

Mounted by the central server under ``/admin`` through the ``onecard.web`` entry point
(``admin_ui.web:mount``). The pages call the server's service functions, never a copy of a rule.
"""
