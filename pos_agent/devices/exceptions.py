"""Device errors a front end may show; ``web.problems`` turns them into problem+json."""

from __future__ import annotations

from pos_agent.exceptions import AgentError


class NoPrinter(AgentError):
    status = 409
    slug = "no-printer"
    title = "No receipt printer"

    def __init__(self) -> None:
        super().__init__("this till has no receipt printer configured")


class ReceiptNotKept(AgentError):
    status = 404
    slug = "receipt-not-kept"
    title = "No such unprinted receipt"

    def __init__(self, receipt_id: str) -> None:
        super().__init__(f"receipt {receipt_id} is not waiting to be printed", receipt_id=receipt_id)


class ReceiptNotPrinted(AgentError):
    status = 503
    slug = "receipt-not-printed"
    title = "Receipt not printed"

    def __init__(self, receipt_id: str, outcome: str, detail: str) -> None:
        super().__init__(f"receipt {receipt_id} not printed ({outcome}: {detail}); it is kept",
                         receipt_id=receipt_id, outcome=outcome)


class NotSimulated(AgentError):
    status = 409
    slug = "devices-not-simulated"
    title = "Devices are not simulated"

    def __init__(self) -> None:
        super().__init__("start the agent with --simulate-devices to simulate cards and scans")
