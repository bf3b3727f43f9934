"""What bytes really are, from their first bytes (magic numbers), never from a name or a label.

A `.png` that holds text, or a data URL that says `image/jpeg` over a PNG, is told by its content:
peers sent `/etc/passwd` as an "image" and labelled every base64 image `image/jpeg`.
"""

from __future__ import annotations

IMAGE_MIMES = ("image/jpeg", "image/png", "image/gif", "image/webp")
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp"}
AUDIO_FORMATS = {"audio/wav": "wav", "audio/mpeg": "mp3"}
# Other names in use for the types above, so a data URL that says `image/jpg` is not "relabelled".
_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "audio/mp3": "audio/mpeg",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "application/x-pdf": "application/pdf",
}

# Control characters text files do have; any other (and any NUL) marks the content as binary.
_TEXT_CONTROLS = frozenset("\t\n\r\f\v\x1b")
# Known formats we refuse, so the refusal can say what the bytes are.
_OTHER_FORMATS = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x7fELF", "an executable (ELF)"),
    (b"MZ", "a Windows executable"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BM", "a BMP image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x00\x00\x01\x00", "an ICO icon"),
    (b"OggS", "Ogg audio or video"),
    (b"fLaC", "FLAC audio"),
    (b"SQLite format 3\x00", "an SQLite database"),
)


def canonical_mime(mime: str) -> str:
    """`mime` lower-cased, with common aliases (`image/jpg`, `audio/mp3`) mapped to their standard name."""
    mime = mime.strip().lower()
    return _ALIASES.get(mime, mime)


def image_mime(data: bytes) -> str | None:
    """The MIME type of a JPEG, PNG, GIF or WebP image, or None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def is_pdf(data: bytes) -> bool:
    # The header may follow a little junk (a BOM, a line break): readers look in the first kilobyte.
    return b"%PDF-" in data[:1024]


def audio_mime(data: bytes) -> str | None:
    """`audio/wav` for RIFF/WAVE, `audio/mpeg` for MP3 (an ID3 tag or an MPEG audio frame), else None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data.startswith(b"ID3"):
        return "audio/mpeg"
    # An MPEG audio frame: 11 sync bits, a version other than "reserved", a layer other than "reserved"
    # (AAC's ADTS header has layer 00 and is left out; JPEG's FF D8 lacks the sync bits).
    if len(data) >= 4 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0:
        return "audio/mpeg" if (data[1] >> 3) & 0x03 != 0x01 and (data[1] >> 1) & 0x03 != 0 else None
    return None


def as_text(data: bytes) -> str | None:
    """The content as text when it is UTF-8 without binary control characters, else None."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if any(ch < " " and ch not in _TEXT_CONTROLS for ch in text):
        return None
    return text


def describe(data: bytes) -> str:
    """A few words on what the bytes are, for a refusal: "a BMP image", "text", "empty"."""
    if not data:
        return "empty"
    mime = image_mime(data) or audio_mime(data)
    if mime:
        return mime
    for magic, words in _OTHER_FORMATS:
        if data.startswith(magic):
            return words
    if data[4:8] == b"ftyp":
        return _iso_media(data[8:12])
    head = data[:2048]
    if as_text(head) is not None or as_text(head[:-3]) is not None:  # a character may be cut at the end
        return "SVG text" if b"<svg" in head.lower() else "text"
    return "unrecognised binary data"


def _iso_media(brand: bytes) -> str:
    if brand in (b"heic", b"heix", b"mif1", b"msf1"):
        return "a HEIC image"
    if brand in (b"avif", b"avis"):
        return "an AVIF image"
    return "an MP4/QuickTime media file"
