"""Network helpers shared by the providers."""

from __future__ import annotations

import ipaddress

# Names that mean this machine: /etc/hosts aliases, and RFC 6761 (*.localhost).
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name, an IP address, or a bracketed IPv6 address) is this
    machine, where a password or a secret address may go unencrypted."""
    name = host.strip("[]").rstrip(".").lower()
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
