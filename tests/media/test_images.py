"""Images: the true type from the bytes, downscaled to the limits with orientation applied, URLs untouched."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.media import MAX_IMAGES, Attachment, load_images

from .fixtures import (
    BLUE,
    RED,
    animated_gif,
    b64,
    data_of,
    decoded,
    jpeg_turned,
    noise_png,
    png,
    still_gif,
    webp,
)

LIMITS = {"max_bytes": 1 << 20, "max_side": 4096}


def one(item: object, root: Path, max_bytes: int = 1 << 20, max_side: int = 4096) -> Attachment:
    [image] = load_images([item], roots=[root], max_bytes=max_bytes, max_side=max_side)
    return image


def url_of(image: Attachment) -> str:
    url = image.part["image_url"]["url"]
    assert isinstance(url, str)
    return url


def write(root: Path, name: str, data: bytes) -> str:
    (root / name).write_bytes(data)
    return str(root / name)


def test_a_png_within_the_limits_is_sent_unchanged_as_a_png_data_url(tmp_path: Path) -> None:
    image = one(write(tmp_path, "a.png", png()), tmp_path)
    assert image.part["type"] == "image_url" and url_of(image).startswith("data:image/png;base64,")
    assert data_of(url_of(image)) == png()
    assert (image.kind, image.mime, image.size, image.note) == ("image", "image/png", len(png()), None)


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (png(), "image/png"),
        (jpeg_turned(orientation=1), "image/jpeg"),
        (still_gif(), "image/gif"),
        (webp(), "image/webp"),
    ],
    ids=["png", "jpeg", "gif", "webp"],
)
def test_each_accepted_format_is_labelled_by_its_content_whatever_the_file_is_called(
    tmp_path: Path, data: bytes, mime: str
) -> None:
    image = one(write(tmp_path, "picture.jpg", data), tmp_path)
    assert image.mime == mime and url_of(image).startswith(f"data:{mime};base64,")


def test_a_png_named_png_that_is_really_text_is_refused_saying_what_it_is(tmp_path: Path) -> None:
    path = write(tmp_path, "fake.png", b"root:x:0:0:root:/root:/bin/bash\n")
    with pytest.raises(InvalidArgumentError, match=r"fake\.png\) is text, not an image; send JPEG, PNG, GIF or WebP"):
        one(path, tmp_path)


def test_an_image_format_models_do_not_take_is_refused_by_name(tmp_path: Path) -> None:
    from .fixtures import encoded

    bmp = encoded(Image.new("RGB", (4, 4)), "BMP")
    with pytest.raises(InvalidArgumentError, match="is a BMP image, not an image"):
        one(write(tmp_path, "a.png", bmp), tmp_path)


def test_bare_base64_is_labelled_with_its_true_type(tmp_path: Path) -> None:
    image = one(b64(webp()), tmp_path)
    assert image.mime == "image/webp" and image.source == "base64" and data_of(url_of(image)) == webp()


def test_faq_shaped_base64_with_line_breaks_is_accepted(tmp_path: Path) -> None:
    text = b64(png())
    wrapped = "\n".join(text[i : i + 76] for i in range(0, len(text), 76))
    assert one({"data": wrapped, "type": "base64"}, tmp_path).mime == "image/png"


def test_a_data_url_that_lies_about_its_type_is_relabelled_with_a_note(tmp_path: Path) -> None:
    image = one(f"data:image/jpeg;base64,{b64(png())}", tmp_path)
    assert url_of(image).startswith("data:image/png;base64,") and image.mime == "image/png"
    assert image.note is not None and "labelled image/jpeg but is image/png" in image.note


def test_a_data_url_with_a_common_alias_of_its_type_is_not_called_a_lie(tmp_path: Path) -> None:
    jpeg = jpeg_turned(orientation=1)
    image = one({"data": f"data:image/jpg;base64,{b64(jpeg)}", "type": "url"}, tmp_path)
    assert image.mime == "image/jpeg" and image.note is None


def test_invalid_base64_is_refused_with_what_to_give_instead(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match=r"images\[0\] is not valid base64"):
        one({"data": "this is not base64!", "type": "base64"}, tmp_path)


def test_a_data_url_that_is_not_base64_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="must be base64-encoded"):
        one("data:image/svg+xml,<svg></svg>", tmp_path)


def test_a_url_is_passed_on_as_given_and_never_fetched(tmp_path: Path) -> None:
    image = one("https://example.com/cat.png?size=large", tmp_path)
    assert image.part == {"type": "image_url", "image_url": {"url": "https://example.com/cat.png?size=large"}}
    assert (image.mime, image.source, image.size) == (None, "URL", None)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/a.png", "gopher://x/"])
def test_urls_other_than_http_are_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(InvalidArgumentError, match="only http:// and https:// URLs are passed on"):
        one(url, tmp_path)


def test_a_large_image_is_downscaled_to_the_longest_side_keeping_its_aspect_ratio(tmp_path: Path) -> None:
    image = one(write(tmp_path, "wide.png", png(400, 200)), tmp_path, max_side=100)
    assert decoded(url_of(image)).size == (100, 50) and image.mime == "image/png"
    assert image.note is not None and image.note.startswith("wide.png: resized from 400×200 to 100×50 (")
    assert image.size == len(data_of(url_of(image)))


def test_an_image_over_the_byte_limit_is_downscaled_under_it_in_its_own_format(tmp_path: Path) -> None:
    big = noise_png(300, 150)
    image = one(write(tmp_path, "noise.png", big), tmp_path, max_bytes=40_000)
    assert image.mime == "image/png" and image.size is not None and image.size <= 40_000 < len(big)
    width, height = decoded(url_of(image)).size
    assert width < 300 and abs(width / height - 2) < 0.05
    assert image.note is not None and "resized from 300×150" in image.note and "KB" in image.note


def test_a_webp_over_the_limits_stays_webp(tmp_path: Path) -> None:
    image = one(b64(webp(400, 100)), tmp_path, max_side=200)
    assert image.mime == "image/webp" and decoded(url_of(image)).size == (200, 50)


def test_resizing_applies_the_exif_orientation_so_the_corner_moves(tmp_path: Path) -> None:
    # Stored 400×200 with a red top-left corner; orientation 6 means "turn 90° clockwise":
    # upright it is 200×400 with the red corner at the top right.
    image = one(write(tmp_path, "phone.jpg", jpeg_turned(400, 200, orientation=6)), tmp_path, max_side=100)
    out = decoded(url_of(image)).convert("RGB")
    assert out.size == (50, 100) and image.mime == "image/jpeg"
    assert _near(out.getpixel((48, 1)), RED) and not _near(out.getpixel((1, 1)), RED)
    assert image.note is not None and "turned upright" in image.note and "from 200×400 to 50×100" in image.note


def test_a_turned_jpeg_within_the_limits_is_sent_upright(tmp_path: Path) -> None:
    image = one(write(tmp_path, "phone.jpg", jpeg_turned(80, 40, orientation=6)), tmp_path)
    out = decoded(url_of(image)).convert("RGB")
    assert out.size == (40, 80) and _near(out.getpixel((38, 1)), RED)
    assert image.note == "phone.jpg: turned upright (EXIF orientation)"


def test_an_animated_gif_sends_its_first_frame_as_png(tmp_path: Path) -> None:
    image = one(write(tmp_path, "anim.gif", animated_gif(3)), tmp_path)
    out = decoded(url_of(image))
    assert image.mime == "image/png" and out.format == "PNG" and getattr(out, "n_frames", 1) == 1
    assert _near(out.convert("RGB").getpixel((5, 5)), RED)
    assert image.note == "anim.gif: first frame of 3"


def test_a_still_gif_over_the_limits_is_sent_as_png(tmp_path: Path) -> None:
    image = one(b64(still_gif()), tmp_path, max_side=15)
    assert image.mime == "image/png" and decoded(url_of(image)).size == (15, 10)


def test_a_decompression_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # so a 100×100 image counts as one
    with pytest.raises(InvalidArgumentError, match="decompression bomb"):
        one(b64(png(100, 100)), tmp_path)


def test_a_truncated_image_that_must_be_resized_is_refused_as_undecodable(tmp_path: Path) -> None:
    cut = noise_png(200, 200)[:5000]
    with pytest.raises(InvalidArgumentError, match="starts like image/png but cannot be decoded"):
        one(b64(cut), tmp_path, max_side=100)


def test_an_image_that_cannot_get_under_the_byte_limit_is_refused(tmp_path: Path) -> None:
    tiny = noise_png(8, 8)  # under 5× the limit, so it is tried; no PNG at all fits in 60 bytes
    assert len(tiny) <= 300
    with pytest.raises(InvalidArgumentError, match=r"\(base64\) could not be brought under 60 bytes"):
        one(b64(tiny), tmp_path, max_bytes=60)


def test_more_images_than_allowed_are_refused_before_any_is_read(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match=f"holds {MAX_IMAGES + 1} items; send at most {MAX_IMAGES}"):
        load_images(["/nonexistent.png"] * (MAX_IMAGES + 1), roots=[tmp_path], **LIMITS)


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ("cat.png", "`images` must be a list"),
        ([42], r"images\[0\] must be a string or"),
        ([{"data": "x", "type": "file"}], '"type" must be one of: path, url, base64'),
        ([{"data": "", "type": "path"}], '"data" must be a non-empty string'),
        ([{"data": "x", "type": "url", "detail": "high"}], "unknown keys \\['detail'\\]"),
        (["   "], "is an empty string"),
    ],
)
def test_malformed_items_are_refused_with_what_to_give(tmp_path: Path, items: object, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        load_images(items, roots=[tmp_path], **LIMITS)


def test_no_images_are_no_attachments(tmp_path: Path) -> None:
    assert load_images(None, roots=[tmp_path], **LIMITS) == []
    assert load_images([], roots=[tmp_path], **LIMITS) == []


def test_importing_media_and_passing_urls_does_not_import_pillow() -> None:
    code = (
        "import sys; from pathlib import Path; from mcp_server_openrouter.media import load_images; "
        "load_images(['https://example.com/a.png'], roots=[Path('.')], max_bytes=1024, max_side=64); "
        "assert 'PIL' not in sys.modules, 'PIL imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_image_colours_survive_passing_through(tmp_path: Path) -> None:
    image = one(b64(png(color=BLUE)), tmp_path)
    assert decoded(url_of(image)).convert("RGB").getpixel((0, 0)) == BLUE


def _near(pixel: object, color: tuple[int, int, int], tolerance: int = 60) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(int(a) - b) <= tolerance for a, b in zip(pixel, color, strict=True))


def test_a_huge_image_that_only_decodes_whole_is_refused_before_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mcp_server_openrouter.media import images

    # Stands in for a 13000×13000 PNG (a few hundred KB that decode to 1.6 GB): the cap, made small.
    monkeypatch.setattr(images, "MAX_DECODED_PIXELS", 100 * 60 - 1)
    (tmp_path / "wide.png").write_bytes(png(100, 60))
    with pytest.raises(InvalidArgumentError, match=r"is 100×60 pixels, more than .* can be decoded safely"):
        load_images([str(tmp_path / "wide.png")], roots=[tmp_path], max_bytes=10_000_000, max_side=50)
