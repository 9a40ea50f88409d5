"""/local/v1 for who is at the till: sign-in, lock, sign-out, shifts and the no-sale drawer opening."""

from __future__ import annotations

from flask import Blueprint, current_app

from pos_agent.web.amounts import amount_minor
from pos_agent.web.payload import json_body
from pos_agent.web.schemas import NoSaleSchema, ShiftCloseSchema, ShiftOpenSchema, SignInSchema, UnlockSchema

blp = Blueprint("local_till", __name__, url_prefix="/local/v1")


def agent():
    return current_app.extensions["onecard_agent"]


def body(schema):
    return schema().load(json_body())


def currency() -> str:
    return agent().ref.program().currency


@blp.get("/cashiers")
def cashiers():
    """The staff users who may sign in here (names and roles; never a PIN or its hash)."""
    return {"cashiers": [s.as_dict() for s in agent().cashiers.staff()]}


@blp.get("/session")
def session():
    """Whether sign-in is required, who is signed in, whether the screen is locked, and their shift."""
    return {**agent().cashiers.state(), "shift": agent().shifts.current()}


@blp.post("/session")
def sign_in():
    data = body(SignInSchema)
    agent().cashiers.sign_in(data["staff_id"], data["pin"])
    return session()


@blp.post("/session/lock")
def lock():
    agent().cashiers.lock()
    return session()


@blp.post("/session/unlock")
def unlock():
    data = body(UnlockSchema)
    agent().cashiers.unlock(data["pin"], data["staff_id"])
    return session()


@blp.post("/session/sign-out")
def sign_out():
    agent().cashiers.sign_out()
    return session()


@blp.post("/shift")
def open_shift():
    data = body(ShiftOpenSchema)
    return agent().shifts.open(amount_minor(data, "float_minor", "float", currency(), required=True)), 201


@blp.post("/shift/x-report")
def x_report():
    """The open shift's figures so far: sent to the server and printed."""
    return agent().shifts.x_report(), 201


@blp.post("/shift/close")
def close_shift():
    """Close the shift with the counted cash: the Z report, sent to the server and printed."""
    data = body(ShiftCloseSchema)
    return agent().shifts.close(amount_minor(data, "counted_minor", "counted", currency(), required=True)), 201


@blp.post("/drawer/no-sale")
def no_sale():
    """Open the cash drawer without a sale, with a reason (journalled, printed)."""
    return agent().shifts.no_sale(body(NoSaleSchema)["reason"]), 201
