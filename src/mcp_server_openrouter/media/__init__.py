"""Media: what a caller gives as images and files, turned safely into OpenAI/OpenRouter content parts.

Plain functions, no MCP and no HTTP (a URL is passed on, never fetched):

* `load_images` / `load_files` — the `images` / `files` arguments as `Attachment`s: local paths only
  under the allowed roots (`paths`), types from magic bytes (`sniff`), images fitted to the size
  limits (`images`), PDFs, text and audio as their parts (`files`);
* `attach`, `input_modalities`, `file_parser_plugin` — how attachments join a request (`attachment`);
* `save_images` — images a model returned, written privately under a safe generated name (`output`).

Every refusal is an `InvalidArgumentError` that says what was wrong and what to give instead.
"""

from mcp_server_openrouter.media.attachment import (
    PDF_ENGINES,
    Attachment,
    AttachmentKind,
    attach,
    file_parser_plugin,
    input_modalities,
)
from mcp_server_openrouter.media.files import MAX_FILES, load_files
from mcp_server_openrouter.media.images import MAX_IMAGES, load_images
from mcp_server_openrouter.media.output import save_images

__all__ = [
    "MAX_FILES",
    "MAX_IMAGES",
    "PDF_ENGINES",
    "Attachment",
    "AttachmentKind",
    "attach",
    "file_parser_plugin",
    "input_modalities",
    "load_files",
    "load_images",
    "save_images",
]
