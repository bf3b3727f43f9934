"""Real media made in the tests: images with Pillow, a WAV with `wave`, a tiny valid PDF, an MP3 header."""

from __future__ import annotations

import base64
import io
import random
import wave

from PIL import Image

RED = (255, 0, 0)
BLUE = (0, 0, 255)
WHITE = (255, 255, 255)


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png(width: int = 40, height: int = 20, color: tuple[int, int, int] = BLUE) -> bytes:
    return encoded(Image.new("RGB", (width, height), color), "PNG")


def webp(width: int = 40, height: int = 20) -> bytes:
    return encoded(Image.new("RGB", (width, height), BLUE), "WEBP")


def cornered(width: int, height: int) -> Image.Image:
    """White, with a red block in the top-left corner (a tenth of each side), to see where it goes."""
    image = Image.new("RGB", (width, height), WHITE)
    image.paste(RED, (0, 0, width // 10, height // 10))
    return image


def jpeg_turned(width: int = 400, height: int = 200, orientation: int = 6) -> bytes:
    """A JPEG stored `width`×`height` whose EXIF says: turn me (6: 90° clockwise to be upright)."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encoded(cornered(width, height), "JPEG", quality=95, exif=exif.tobytes())


def animated_gif(frames: int = 3) -> bytes:
    colors = [RED, BLUE, WHITE, (0, 255, 0)]
    images = [Image.new("RGB", (30, 20), colors[i % len(colors)]) for i in range(frames)]
    return encoded(images[0], "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)


def still_gif() -> bytes:
    return encoded(Image.new("RGB", (30, 20), RED), "GIF")


def noise_png(width: int, height: int, seed: int = 7) -> bytes:
    """A PNG that barely compresses: random pixels."""
    return encoded(Image.frombytes("RGB", (width, height), random.Random(seed).randbytes(width * height * 3)), "PNG")


def decoded(data_url: str) -> Image.Image:
    """The image inside a `data:image/…;base64,…` URL, loaded."""
    image = Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1])))
    image.load()
    return image


def data_of(data_url: str) -> bytes:
    return base64.b64decode(data_url.split(",", 1)[1])


def pdf() -> bytes:
    """A minimal valid one-page PDF, with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def wav(seconds: float = 0.1, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x01" * int(seconds * rate))
    return buffer.getvalue()


# An ID3v2.4 tag with no frames, then one MPEG-1 Layer III frame header (128 kbit/s, 44.1 kHz) and silence.
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + bytes(413)
# The same frame without a tag: told by its sync bits alone.
MP3_BARE = b"\xff\xfb\x90\x64" + bytes(413)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
