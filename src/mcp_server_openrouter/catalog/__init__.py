"""The model catalogue: parsing (`model`), queries (`query`), the two-layer cache (`cache`),
what the tools print (`views`) and the service the tools and commands call (`service`).

Importing the package is light (no pydantic, no httpx): the CLI reads its choices from here.
"""

from mcp_server_openrouter.catalog.model import CAPABILITIES, MODALITIES, Catalog, Model, Price, format_usd
from mcp_server_openrouter.catalog.query import SORTS, ModelPage, ModelQuery, run_query

__all__ = [
    "CAPABILITIES",
    "MODALITIES",
    "SORTS",
    "Catalog",
    "Model",
    "ModelPage",
    "ModelQuery",
    "Price",
    "format_usd",
    "run_query",
]
