"""Suite-wide fixtures. The toolkit's pytest plugin (toolkit.testing.plugin, a pytest11 entry
point) already blocks the network, clears credentials and offers `golden`; these add AWS."""

from __future__ import annotations

from aws import aws_env, moto_server  # noqa: F401 - fixtures shared by the suite
