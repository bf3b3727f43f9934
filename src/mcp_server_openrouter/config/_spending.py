"""The settings that limit spending: budgets and the confirmation threshold (part of `Settings`)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import AliasChoices, BaseModel, Field


def alias(name: str) -> AliasChoices:
    """The environment variable `name`, also accepted in lower case (as `.env` files often are)."""
    return AliasChoices(name, name.lower())


class SpendingSettings(BaseModel):
    """Budgets in USD; unset means no limit. `Settings` inherits these fields."""

    budget_daily_usd: Decimal | None = Field(
        default=None,
        gt=0,
        validation_alias=alias("OPENROUTER_BUDGET_DAILY_USD"),
        description="Most this server may spend in one local day; a call that could cross it is refused.",
    )
    budget_monthly_usd: Decimal | None = Field(
        default=None,
        gt=0,
        validation_alias=alias("OPENROUTER_BUDGET_MONTHLY_USD"),
        description="Most this server may spend in one calendar month; a call that could cross it is refused.",
    )
    confirm_above_usd: Decimal | None = Field(
        default=None,
        ge=0,
        validation_alias=alias("OPENROUTER_CONFIRM_ABOVE_USD"),
        description="Ask the user (MCP elicitation) before a call whose worst-case cost is above this.",
    )
