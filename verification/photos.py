"""Field-visit photos: what the server keeps of a photo a field officer's phone uploads (the house's
front, roof, walls, floor, kitchen, toilet; the KK, the KTP, the head of the family).

A photo is personal data and its upload is hostile input until proven otherwise (docs/security.md
#7, uploads), so `photo_process` works in bounded steps and refuses, with a `ValidationError` on the
form's field in Bahasa Indonesia, anything it cannot handle safely:

1. **Size before content.** The declared size is checked against `MAX_BYTES` before a byte is read,
   and at most `MAX_BYTES + 1` bytes are then read, so a lying `.size` changes nothing.
2. **Content, not name.** Pillow opens the bytes with its JPEG, PNG and WebP parsers only
   (`formats=`); no other parser ever sees the file. Something they do not recognise is classified
   from its first bytes (`filetype`, no parser): another image format (HEIC, GIF, TIFF...) gets the
   hint to set the camera to JPEG; anything else (a renamed binary, a PDF) is "not a photo".
3. **Bounded decoding: open -> check size -> load.** Opening reads only the header. The declared
   width × height is checked against `MAX_PIXELS` before any pixel data is decoded (and Pillow's own
   DecompressionBombWarning is made an error while we decode, as a second net; its global
   `MAX_IMAGE_PIXELS` is left alone). A large JPEG is decoded straight at a reduced scale (`draft`,
   libjpeg's DCT scaling), so a 12-megapixel photo never costs its full-size bitmap. A truncated or
   corrupt file fails while loading and is refused; no Pillow exception escapes as a 500.
4. **EXIF read, then stripped.** GPS position and DateTimeOriginal are read from the ORIGINAL's EXIF
   (they are evidence of where and when the visit took place and are kept as fields of their own),
   the orientation is applied to the pixels, and the stored image is written from pixels alone: no
   EXIF (no GPS, no maker notes, no serial numbers), no XMP, no ICC profile, no comment. Metadata is
   best-effort: a malformed EXIF never refuses a photo, it only yields `None`.
5. **Why JPEG out.** Re-encoding everything to one baseline RGB JPEG (quality 80, longest side
   `LONG_SIDE`) means the stored file is something we produced, not something we were sent: no
   smuggled chunks or trailers (e.g. a phone's appended video), a predictable size (a few hundred kB), and
   a format every browser and PDF report (fpdf2) reads. Transparency (a PNG screenshot) is flattened
   onto white.

Residual notes for callers: `ImageFile.LOAD_TRUNCATED_IMAGES` is Pillow-global; if other code ever
sets it, truncated JPEGs would be accepted (padded with grey) instead of refused. The warnings filter
is process-global too (`warnings.catch_warnings`), which is why the MAX_PIXELS check is explicit and
does not depend on it. Colour profiles (e.g. Display P3) are dropped, not converted, which may shift
colours slightly. Only the first picture of an animated or multi-picture file (APNG, WebP, MPO) is kept.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import re
import struct
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone as dj_timezone
from PIL import ExifTags, Image, ImageFile, ImageOps

logger = logging.getLogger(__name__)

MAX_BYTES = 15 * 1024 * 1024  # upload size cap, checked before decoding
MAX_PIXELS = 40_000_000  # larger images refused as decompression bombs
LONG_SIDE = 1600  # stored image: longest side at most this many px
JPEG_QUALITY = 80

# The only parsers that ever see an upload. MPO is what Pillow's JPEG parser reports for a JPEG with a
# multi-picture extension (some phones' portrait photos); only its first picture is used.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
HEAD_BYTES = 262  # what filetype needs to recognise every type it knows
WHITE = (255, 255, 255)
RESIZABLE_MODES = ("RGB", "RGBA", "L", "LA")

# What a Pillow parser or decoder may raise on hostile or broken input.
DECODE_ERRORS = (
    OSError,  # includes UnidentifiedImageError and "image file is truncated"
    SyntaxError,
    ValueError,
    TypeError,
    IndexError,
    KeyError,
    EOFError,
    struct.error,
    ZeroDivisionError,
    OverflowError,
    RecursionError,
)
BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)

TAG_GPS_IFD = ExifTags.IFD.GPSInfo  # 0x8825
TAG_EXIF_IFD = ExifTags.IFD.Exif  # 0x8769
TAG_DATETIME_ORIGINAL = ExifTags.Base.DateTimeOriginal  # 0x9003
TAG_OFFSET_TIME_ORIGINAL = ExifTags.Base.OffsetTimeOriginal  # 0x9011
OFFSET_RE = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
DATETIME_FORMATS = ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%d %H:%M", "%Y-%m-%dT%H:%M:%S")


@dataclass(frozen=True)
class ProcessedPhoto:
    content: bytes  # the stored image: baseline RGB JPEG, orientation applied, no metadata at all
    width: int
    height: int
    sha256: str  # of `content`
    gps: tuple[float, float] | None  # (latitude, longitude), decimal degrees, from the original's EXIF
    taken_at: datetime | None  # EXIF DateTimeOriginal; aware (its own offset, else TIME_ZONE)


# --- messages: each names the problem and the fix ---------------------------------------------------
# Plain Indonesian, not yet marked for translation: a marked string must have its English entry in
# locale/en (tests/core/test_i18n.py), which this change does not touch. Whoever wires the photos
# into a page wraps these in gettext (the %(name)s placeholders are already gettext-style) and adds
# the English with makemessages.

MSG_EMPTY = "Berkas foto kosong (0 byte); ambil ulang fotonya lalu unggah kembali."
MSG_TOO_LARGE = (
    "Berkas foto terlalu besar (paling besar %(mb)d MB); ambil ulang foto dengan resolusi kamera "
    "lebih rendah atau kirim versi yang lebih kecil."
)
MSG_NOT_IMAGE = (
    "Berkas ini bukan foto (dikenali dari isinya, bukan dari nama berkasnya); unggah foto JPEG "
    "langsung dari kamera ponsel."
)
MSG_FORMAT = (
    "Format gambar %(format)s tidak diterima; hanya JPEG, PNG, atau WebP. Atur kamera ponsel agar "
    "menyimpan foto sebagai JPEG (mis. di iPhone: Pengaturan › Kamera › Format › Paling Kompatibel), "
    "lalu ambil ulang fotonya."
)
MSG_BOMB = (
    "Dimensi gambar terlalu besar (lebih dari %(mp)d juta piksel) sehingga ditolak demi keamanan; "
    "ambil ulang foto dengan resolusi kamera biasa (mis. 12 megapiksel)."
)
MSG_CORRUPT = (
    "Berkas foto rusak atau tidak lengkap (mungkin terpotong saat dikirim); unggah ulang foto "
    "aslinya dari ponsel."
)


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


def _msg_empty() -> str:
    return MSG_EMPTY


def _msg_too_large() -> str:
    return MSG_TOO_LARGE % {"mb": MAX_BYTES // (1024 * 1024)}


def _msg_not_image() -> str:
    return MSG_NOT_IMAGE


def _msg_format(kind: str) -> str:
    return MSG_FORMAT % {"format": kind}


def _msg_bomb() -> str:
    return MSG_BOMB % {"mp": MAX_PIXELS // 1_000_000}


def _msg_corrupt() -> str:
    return MSG_CORRUPT


# --- the pipeline --------------------------------------------------------------------------------


def photo_process(upload, *, field: str) -> ProcessedPhoto:
    """The stored form of an uploaded photo and what its EXIF said; a ValidationError on `field`
    otherwise. See the module docstring for the steps and why."""
    data = _read_bounded(upload, field)
    with warnings.catch_warnings():
        # Pillow warns (UserWarning) about corrupt EXIF and the like: metadata is best-effort, so
        # this must not become a refusal even where warnings are errors. Its bomb warning, though, is
        # an error here: a second net behind the explicit MAX_PIXELS check.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        im = _open(data, field)
        try:
            _load(im, field)
            gps, taken_at = _metadata(im)  # after load: a PNG's eXIf chunk may follow its pixels
            image = _finish(im, field)
        finally:
            im.close()
    return _encode(image, gps, taken_at)


def _read_bounded(upload, field: str) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _refuse(field, _msg_too_large())
    if size is not None and size <= 0:
        raise _refuse(field, _msg_empty())
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    upload.seek(0)
    if not data:
        raise _refuse(field, _msg_empty())
    if len(data) > MAX_BYTES:
        raise _refuse(field, _msg_too_large())
    return data


def _open(data: bytes, field: str) -> ImageFile.ImageFile:
    """Open (header only) with the accepted parsers and check the declared dimensions."""
    try:
        im = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except BOMB_ERRORS:
        raise _refuse(field, _msg_bomb()) from None
    except Image.UnidentifiedImageError:
        raise _refuse(field, _unidentified_message(data)) from None
    except DECODE_ERRORS:
        raise _refuse(field, _msg_corrupt()) from None
    width, height = im.size
    if width <= 0 or height <= 0:
        im.close()
        raise _refuse(field, _msg_corrupt())
    if width * height > MAX_PIXELS:
        im.close()
        raise _refuse(field, _msg_bomb())
    return im


def _unidentified_message(data: bytes) -> str:
    """None of the accepted parsers took it: another image format, a broken photo, or not a photo."""
    kind = filetype.guess(data[:HEAD_BYTES])
    if kind is None or not kind.mime.startswith("image/") or kind.mime == "image/vnd.dwg":
        return _msg_not_image()
    if kind.mime in ("image/jpeg", "image/png", "image/webp", "image/apng"):
        return _msg_corrupt()  # the right signature, but the parser could not read the header
    return _msg_format(kind.extension.upper())


def _load(im: ImageFile.ImageFile, field: str) -> None:
    """Decode the pixels; a large JPEG straight at a reduced scale (libjpeg's DCT scaling)."""
    with _refusing(field):
        width, height = im.size
        scale = LONG_SIDE / max(width, height)
        if scale < 1:
            # 1/2, 1/4 or 1/8 of the size, never below the requested one; a no-op for PNG and WebP.
            im.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
        im.load()


def _finish(im: Image.Image, field: str) -> Image.Image:
    """Orient, flatten to RGB, downscale to LONG_SIDE."""
    with _refusing(field):
        _orient(im)
        # The common modes are downscaled before flattening (less memory); the rare ones after.
        image = im.copy() if im.mode in RESIZABLE_MODES else _rgb(im)
        if max(image.size) > LONG_SIDE:
            image.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
        return _rgb(image)


@contextmanager
def _refusing(field: str):
    """Whatever Pillow raises while decoding becomes a refusal, never a 500."""
    try:
        yield
    except BOMB_ERRORS:
        raise _refuse(field, _msg_bomb()) from None
    except DECODE_ERRORS as exc:
        logger.info("photo refused as corrupt: %s", type(exc).__name__)
        raise _refuse(field, _msg_corrupt()) from None


def _orient(im: Image.Image) -> None:
    """Apply the EXIF orientation to the pixels; an unreadable orientation leaves them as they are."""
    try:
        ImageOps.exif_transpose(im, in_place=True)
    except Exception:  # metadata is best-effort; the pixels are already decoded
        logger.info("photo orientation unreadable; kept as decoded")


def _rgb(im: Image.Image) -> Image.Image:
    """An RGB image; transparency is flattened onto white (not the black its hidden pixels may be)."""
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info:
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, WHITE)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        # High-bit-depth greyscale: scale to 8 bits rather than clip.
        im = im.convert("I").point(lambda v: v / 256).convert("L")
    return im.convert("RGB")  # a copy even when already RGB: the opened image is closed after this


def _encode(image: Image.Image, gps, taken_at) -> ProcessedPhoto:
    """Write the pixels alone: no EXIF, XMP, ICC profile or comment is carried over."""
    image.info = {}
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=False)
    content = out.getvalue()
    return ProcessedPhoto(
        content=content,
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(content).hexdigest(),
        gps=gps,
        taken_at=taken_at,
    )


# --- metadata (best-effort: never refuses, never raises) ---------------------------------------------


def _metadata(im: Image.Image) -> tuple[tuple[float, float] | None, datetime | None]:
    exif = _safe(im.getexif)
    if exif is None:
        return None, None
    gps = _safe(lambda: _gps(exif.get_ifd(TAG_GPS_IFD)))
    taken_at = _safe(lambda: _taken_at(exif.get_ifd(TAG_EXIF_IFD)))
    return gps, taken_at


def _safe(read):
    try:
        return read()
    except Exception:  # a malformed tag is "absent", whatever the parser raised
        return None


def _gps(ifd) -> tuple[float, float] | None:
    """(latitude, longitude) in decimal degrees; None when absent, void, out of range or malformed."""
    if not ifd:
        return None
    if _text(ifd.get(ExifTags.GPS.GPSStatus)) == "V":  # the receiver said: measurement void
        return None
    lat = _coordinate(ifd.get(ExifTags.GPS.GPSLatitude), ifd.get(ExifTags.GPS.GPSLatitudeRef), "N", "S", 90)
    lon = _coordinate(
        ifd.get(ExifTags.GPS.GPSLongitude), ifd.get(ExifTags.GPS.GPSLongitudeRef), "E", "W", 180
    )
    if lat is None or lon is None or (lat == 0 and lon == 0):  # 0,0: a phone's "no fix" placeholder
        return None
    return lat, lon


def _coordinate(value, ref, positive: str, negative: str, limit: float) -> float | None:
    """Degrees, minutes, seconds (rationals; one to three of them) and a hemisphere reference."""
    sign = {positive: 1, negative: -1}.get(_text(ref))
    if sign is None:  # a missing reference would put a Javanese house in the wrong hemisphere
        return None
    parts = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if not 1 <= len(parts) <= 3:
        return None
    numbers = [float(p) for p in parts]
    if not all(math.isfinite(n) and n >= 0 for n in numbers):
        return None
    if any(n >= 60 for n in numbers[1:]):
        return None
    degrees = sum(n / 60**i for i, n in enumerate(numbers))
    if degrees > limit:
        return None
    return sign * degrees


def _taken_at(ifd) -> datetime | None:
    """DateTimeOriginal; aware with its OffsetTimeOriginal, else in TIME_ZONE (naive if USE_TZ off)."""
    raw = _text(ifd.get(TAG_DATETIME_ORIGINAL)) if ifd else ""
    if not raw:
        return None
    for fmt in DATETIME_FORMATS:
        try:
            naive = datetime.strptime(raw[:19], fmt)  # noqa: DTZ007 -- made aware just below
            break
        except ValueError:
            continue
    else:
        return None
    offset = OFFSET_RE.match(_text(ifd.get(TAG_OFFSET_TIME_ORIGINAL)))
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        delta = timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3)))
        if delta < timedelta(hours=15):
            return naive.replace(tzinfo=timezone(sign * delta))
    if settings.USE_TZ:
        return dj_timezone.make_aware(naive, dj_timezone.get_default_timezone())
    return naive


def _text(value) -> str:
    """An EXIF ASCII value as a stripped str ('' when absent or not text)."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return ""
    return value.replace("\x00", "").strip()
