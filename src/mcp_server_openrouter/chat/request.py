"""`ChatRequest`: one chat call as the caller asked for it, validated once.

This is the one place a chat option is declared and checked. Adding an option means one
field here (with its check) and one argument in the tool's signature; the request body,
the response-cache key and the validation messages follow from the field. Only what the
caller gave is sent: unset options stay out of the body, so the model's defaults apply.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, ValidationInfo

from mcp_server_openrouter import _constants as c
from mcp_server_openrouter import _validate as v
from mcp_server_openrouter.chat import options as o
from mcp_server_openrouter.errors import InvalidArgumentError

T = TypeVar("T")


def checked(validate: Callable[[object, str], T]) -> BeforeValidator:
    """A pydantic validator running one of our checks, named after the field it guards."""

    def run(value: object, info: ValidationInfo) -> object:
        return None if value is None else validate(value, info.field_name or "value")

    return BeforeValidator(run)


def a_model_id(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(
            f'`{name}` must be a model id string such as "openai/gpt-4o-mini"; `list_available_models` lists them.'
        )
    return value.strip()


def a_temperature(value: object, name: str) -> float:
    return v.number_between(value, name, 0.0, 2.0)


def a_top_p(value: object, name: str) -> float:
    return v.number_between(value, name, 0.0, 1.0, above_low=True)


def stop_sequences(value: object, name: str) -> str | list[str]:
    stops = [value] if isinstance(value, str) else value
    if not isinstance(stops, list) or not 1 <= len(stops) <= 4 or not all(isinstance(s, str) and s for s in stops):
        raise InvalidArgumentError(f"`{name}` must be a non-empty string or a list of up to 4 non-empty strings.")
    return value  # type: ignore[return-value]


def normalize_messages(messages: object, name: str = "messages") -> list[dict[str, Any]]:
    """Validate `messages` (an OpenAI message list, or a plain prompt string)."""
    if isinstance(messages, str):
        if not messages.strip():
            raise InvalidArgumentError(f"`{name}` is an empty string; pass a prompt or a list of messages.")
        return [{"role": "user", "content": messages}]
    if not isinstance(messages, Sequence) or not messages:
        raise InvalidArgumentError(
            f'`{name}` must be a non-empty list like [{{"role": "user", "content": "Hello"}}] or a prompt string.'
        )
    return [_message(message, f"{name}[{index}]") for index, message in enumerate(messages)]


def _message(message: object, where: str) -> dict[str, Any]:
    if not isinstance(message, Mapping):
        raise InvalidArgumentError(
            f'{where} must be an object with "role" and "content", got {type(message).__name__}.'
        )
    role = message.get("role")
    if role not in c.MESSAGE_ROLES:
        raise InvalidArgumentError(f"{where} has role {role!r}; use one of: {', '.join(c.MESSAGE_ROLES)}.")
    content = message.get("content")
    has_tool_calls = role == "assistant" and bool(message.get("tool_calls"))
    if content is None and not has_tool_calls:
        raise InvalidArgumentError(f'{where} has no "content"; give it a string or a list of content parts.')
    if isinstance(content, list):
        _check_parts(content, where)
    elif content is not None and not isinstance(content, str):
        raise InvalidArgumentError(
            f"{where}.content must be a string or a list of parts, got {type(content).__name__}."
        )
    return dict(message)


def _check_parts(parts: list[object], where: str) -> None:
    if not parts:
        raise InvalidArgumentError(f"{where}.content is an empty list; give at least one part.")
    for index, part in enumerate(parts):
        if not isinstance(part, Mapping) or not isinstance(part.get("type"), str):
            raise InvalidArgumentError(
                f'{where}.content[{index}] must be an object with a "type" such as "text" or "image_url".'
            )
        if part["type"] == "text" and not isinstance(part.get("text"), str):
            raise InvalidArgumentError(f'{where}.content[{index}] is a text part without a "text" string.')


class ChatRequest(BaseModel):
    """A validated, immutable chat request; `body()` is what OpenRouter receives."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: Annotated[str, checked(a_model_id)]
    messages: Annotated[list[dict[str, Any]], checked(normalize_messages)]
    max_tokens: Annotated[int | None, checked(v.positive_int)] = None
    # `int | float` keeps an integer as a Python caller wrote it (1, not 1.0); over MCP the SDK has
    # already coerced the argument to the tool's `float`, so the body and cache key match earlier releases.
    temperature: Annotated[int | float | None, checked(a_temperature)] = None
    top_p: Annotated[int | float | None, checked(a_top_p)] = None
    stop: Annotated[str | list[str] | None, checked(stop_sequences)] = None
    seed: Annotated[int | None, checked(v.integer)] = None
    frequency_penalty: Annotated[int | float | None, checked(o.penalty)] = None
    presence_penalty: Annotated[int | float | None, checked(o.penalty)] = None
    # OpenRouter's structured options, as the API takes them (see `chat.options`).
    models: Annotated[list[str] | None, checked(o.fallback_models)] = None
    provider: Annotated[dict[str, Any] | None, checked(o.provider_preferences)] = None
    reasoning: Annotated[dict[str, Any] | None, checked(o.reasoning_options)] = None
    response_format: Annotated[dict[str, Any] | None, checked(o.response_format)] = None
    tools: Annotated[list[dict[str, Any]] | None, checked(o.tool_definitions)] = None
    tool_choice: Annotated[str | dict[str, Any] | None, checked(o.tool_choice)] = None
    plugins: Annotated[list[dict[str, Any]] | None, checked(o.plugins)] = None
    modalities: Annotated[list[str] | None, checked(o.modalities)] = None

    @classmethod
    def create(cls, **arguments: object) -> ChatRequest:
        """Validate raw arguments; the first mistake is an `InvalidArgumentError` saying how to fix it."""
        try:
            return cls.model_validate(arguments)
        except ValidationError as exc:
            raise _argument_error(exc) from None

    def body(self) -> dict[str, Any]:
        """The JSON body: only the options that were given."""
        return self.model_dump(exclude_none=True)

    def result_options(self) -> dict[str, bool]:
        """What the result keeps: the reasoning text only when asked for, JSON when a format was."""
        asked = self.reasoning is not None and not self.reasoning.get("exclude", False)
        return {"with_reasoning": asked, "want_json": self.response_format is not None}

    @property
    def deterministic(self) -> bool:
        """Whether an identical request may be answered from the response cache."""
        return self.temperature == 0 or self.seed is not None

    def cache_key(self, base_url: str) -> str:
        """A hash of the base URL and the whole body: only an identical request shares it."""
        canonical = json.dumps({"base_url": base_url, "body": self.body()}, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def _argument_error(exc: ValidationError) -> InvalidArgumentError:
    first = exc.errors(include_url=False)[0]
    original = first.get("ctx", {}).get("error")
    if isinstance(original, InvalidArgumentError):
        return original
    name = ".".join(str(part) for part in first["loc"]) or "arguments"
    if first["type"] == "extra_forbidden":
        return InvalidArgumentError(f"`{name}` is not a chat option.")
    return InvalidArgumentError(f"`{name}`: {first['msg']}, got {first.get('input')!r}.")


def build_request(
    *,
    model: object,
    messages: object,
    system: object = None,
    fallback_models: object = None,
    web_search: bool = False,
    extra_plugins: Sequence[Mapping[str, Any]] = (),
    **options: object,
) -> ChatRequest:
    """A `ChatRequest` from the tools' conveniences: a `system` prompt put first, fallbacks sent
    as OpenRouter's `models: [model, *fallbacks]`, `web_search` as the `web` plugin."""
    normalized = normalize_messages(messages)
    if system is not None:
        if not isinstance(system, str) or not system.strip():
            raise InvalidArgumentError("`system` must be a non-empty string (the system prompt).")
        normalized = [{"role": "system", "content": system}, *normalized]
    models = None
    if fallback_models is not None:
        primary = a_model_id(model, "model")
        models = [primary, *o.fallback_models(fallback_models, "fallback_models")]
    plugins = [*([{"id": "web"}] if web_search else []), *(dict(p) for p in extra_plugins)]
    return ChatRequest.create(model=model, messages=normalized, models=models, plugins=plugins or None, **options)
