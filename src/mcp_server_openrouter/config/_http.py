"""The settings of Streamable HTTP mode (`openrouter-mcp serve --http`) and of the dashboard a stdio
server may serve beside it: part of `Settings`.

`MCP_HTTP_TOKEN` is a secret like the API key: it is redacted from every output from the
moment it is read, and never quoted in an error.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr, field_validator

from mcp_server_openrouter._redact import register_secret
from mcp_server_openrouter.config._spending import alias

# A guessable token is no lock: `secrets.token_urlsafe(32)` gives 43 characters.
MIN_TOKEN_LENGTH = 16
TOKEN_HINT = "generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"


def token_problem(token: str) -> str | None:
    """Why `token` cannot be the bearer token (too short, or not plain printable ASCII), never quoting it."""
    if any(not "!" <= char <= "~" for char in token):
        return f"MCP_HTTP_TOKEN must be printable ASCII without spaces; {TOKEN_HINT}"
    if len(token) < MIN_TOKEN_LENGTH:
        return f"MCP_HTTP_TOKEN is {len(token)} characters; it needs at least {MIN_TOKEN_LENGTH}: {TOKEN_HINT}"
    return None


class HttpSettings(BaseModel):
    """Who may use the HTTP endpoint, and under which names it may be reached. `Settings` inherits these."""

    http_token: SecretStr | None = Field(
        default=None,
        validation_alias=alias("MCP_HTTP_TOKEN"),
        description="Bearer token every HTTP request must carry; required to bind a non-loopback address.",
    )
    http_allowed_hosts: str = Field(
        default="",
        validation_alias=alias("MCP_HTTP_ALLOWED_HOSTS"),
        description="Comma-separated extra Host names the HTTP endpoint answers to (DNS-rebinding protection); "
        "'*' turns the Host and Origin checks off (only behind a proxy that checks them).",
    )

    dashboard_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        validation_alias=alias("OPENROUTER_MCP_DASHBOARD_PORT"),
        description="Let the stdio server serve the dashboard (with its jobs) on this 127.0.0.1 port too; "
        "0 picks a free one. Its URL, with a fresh access token, goes to the log.",
    )

    @field_validator("http_token", mode="before")
    @classmethod
    def _clean_token(cls, value: object) -> object:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, str):
            value = value.strip().strip("\"'").strip()
            register_secret(value)  # redacted from now on, even if refused below
            if not value:
                return None
            problem = token_problem(value)
            if problem is not None:
                raise ValueError(problem)
        return value

    def token(self) -> str | None:
        return self.http_token.get_secret_value() if self.http_token is not None else None

    def extra_allowed_hosts(self) -> tuple[str, ...]:
        return tuple(host.strip() for host in self.http_allowed_hosts.split(",") if host.strip())
