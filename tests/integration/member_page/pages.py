"""Helpers for driving the member page through Flask's test client."""

from __future__ import annotations

import re
import subprocess

from tests.integration.admin_ui.backoffice import csrf_of

SVG = re.compile(r"<svg .*?</svg>", re.S)


def join(client, desk, name="Ada Lovelace", email="ada@example.org", phone="+442079460958") -> tuple[str, str]:
    response = client.post("/api/v1/members", headers=desk, json={"name": name, "email": email, "phone": phone})
    assert response.status_code == 201, response.json
    return response.json["id"], response.json["card"]["number"]


def ask_code(client, contact: str):
    token = csrf_of(client.get("/me/sign-in").text)
    return client.post("/me/sign-in", data={"contact": contact, "csrf_token": token})


def enter_code(client, code: str):
    token = csrf_of(client.get("/me/code").text)
    return client.post("/me/code", data={"code": code, "csrf_token": token})


def sign_in(client, mailbox, address: str = "ada@example.org"):
    assert ask_code(client, address).status_code == 302
    response = enter_code(client, mailbox.code_for(address))
    assert response.status_code == 302 and response.location.endswith("/me/"), response.text
    return response


def post_form(client, path: str, page: str, **fields):
    return client.post(path, data={**fields, "csrf_token": csrf_of(client.get(page).text)})


def decode_svg(svg: str, tmp_path, name: str, width: int) -> list[str]:
    """Rasterise an SVG (librsvg) and read it with zbar: what an independent scanner makes of it."""
    source, image = tmp_path / f"{name}.svg", tmp_path / f"{name}.png"
    source.write_text(svg)
    subprocess.run(["rsvg-convert", "-w", str(width), "-b", "white", "-o", str(image), str(source)], check=True)
    found = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True)
    return found.stdout.split()
