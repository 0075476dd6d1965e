"""Joining a class: the address students can reach the app at, and a QR code of it for the projector.

Which address depends on how the app is served: a Hugging Face Space's own address, Gradio's
share link (``python app.py --share``), this machine's address on the school network when bound
to all interfaces (``--host 0.0.0.0``), or none at all on 127.0.0.1, which only this machine
can open. Nothing here touches the network.
"""

import ipaddress
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass

import segno

# Hugging Face sets these in a Space: SPACE_HOST is the Space's own domain, e.g. "user-app.hf.space".
SPACE_HOST_ENV = "SPACE_HOST"
ALL_INTERFACES = {"0.0.0.0", "::"}
# Any routable address: connecting a UDP socket only picks the interface the route to it leaves
# by; no packet is sent.
ROUTE_PROBE = ("10.254.254.254", 1)
# Medium error correction survives a projector's glare and a phone held at an angle; 12 px
# modules make a version-3 code about 400 px wide, readable from the back of a classroom.
QR_ERROR = "m"
QR_SCALE = 12
QR_BORDER = 4  # modules of quiet zone, as the QR standard asks

SHARE_NOTE = ("Gradio's public share link: anyone with the link can use the app while it runs here "
              "(the link lasts up to a week; stop the app to close it).")
SPACE_NOTE = "This Hugging Face Space's address."
NETWORK_NOTE = ("This computer's address on the local network: phones and tablets on the same network (Wi-Fi) "
                "can open it.")
HOST_NOTE = "The address this app was started on."
LOCAL_ONLY_NOTE = ("Nobody else can reach the app: it serves this computer only ({host}). To let a class join, "
                   "start it with “python app.py --host 0.0.0.0” (phones and tablets on the same network) or "
                   "“python app.py --share” (a public link that anyone with it can use).")
NO_NETWORK_NOTE = ("The app serves every network interface, but this computer has no network address to give "
                   "students. Connect it to the school network and reload this page, or start the app with “--share”.")


@dataclass(frozen=True)
class Invitation:
    """Where students join: ``url`` is None when nobody else can reach the app, and ``note`` says why."""

    url: str | None
    note: str


def invitation(host: str, port: int, share_url: str | None = None,
               environ: Mapping[str, str] = os.environ) -> Invitation:
    """The address students can reach an app served on ``host``:``port`` at, and a sentence about it."""
    if environ.get(SPACE_HOST_ENV):
        return Invitation(f"https://{environ[SPACE_HOST_ENV]}/", SPACE_NOTE)
    if share_url:
        return Invitation(share_url.rstrip("/") + "/", SHARE_NOTE)
    if host in ALL_INTERFACES:
        address = network_address()
        if address is None:
            return Invitation(None, NO_NETWORK_NOTE)
        return Invitation(http_url(address, port), NETWORK_NOTE)
    if is_loopback(host):
        return Invitation(None, LOCAL_ONLY_NOTE.format(host=host))
    return Invitation(http_url(host, port), HOST_NOTE)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name other than localhost: someone chose it to be reached
        return False


def network_address() -> str | None:
    """This computer's IPv4 address on its network (the one its default route leaves by), or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(ROUTE_PROBE)
        except OSError:  # no route at all: not on any network
            return None
        address = probe.getsockname()[0]
    return None if ipaddress.ip_address(address).is_loopback or address == "0.0.0.0" else address


def http_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host  # an IPv6 address takes brackets in a URL
    return f"http://{shown}:{port}/"


def qr_png_data_uri(url: str) -> str:
    """``url`` as a QR code: a black-on-white PNG, inline, sized for a projector."""
    return segno.make(url, error=QR_ERROR).png_data_uri(scale=QR_SCALE, border=QR_BORDER)


def join_view(join: Invitation) -> dict[str, str]:
    """What the "Join this class" panel shows: the address and its QR code when there is one, and the note."""
    view = {"note": join.note}
    if join.url:
        view |= {"url": join.url, "qr": qr_png_data_uri(join.url)}
    return view
