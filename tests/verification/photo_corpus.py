"""Field-visit photos, good and hostile, generated in memory with Pillow (and fpdf2 for the PDF), for
tests/verification/test_photos.py. Nothing is read from disk."""

import io
import random
import struct
import zlib
from functools import cache

from fpdf import FPDF
from PIL import ExifTags, Image, ImageCms, TiffImagePlugin

R = TiffImagePlugin.IFDRational

# Klaten, Central Java: 7°28'30" S, 110°13'12" E.
LATITUDE = -7.475
LONGITUDE = 110.22
TAKEN = "2024:05:17 09:30:00"
MAKER = "Xiaomi"
SECRET_COMMENT = b"NIK 3310012345670001"


def noise(size: tuple[int, int], seed: int = 7) -> Image.Image:
    """An RGB image of random pixels: compresses badly, like a real photo's detail."""
    rng = random.Random(seed)
    return Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))


def jpeg(image: Image.Image, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, **params)
    return out.getvalue()


def png(image: Image.Image, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", **params)
    return out.getvalue()


def gps_exif(
    gps: dict | None = None, taken: str | None = TAKEN, orientation: int | None = None
) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = MAKER
    exif[ExifTags.Base.Model] = "Redmi Note 12"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if gps is None:
        gps = {
            ExifTags.GPS.GPSLatitudeRef: "S",
            ExifTags.GPS.GPSLatitude: (R(7, 1), R(28, 1), R(30, 1)),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (R(110, 1), R(13, 1), R(12, 1)),
            ExifTags.GPS.GPSAltitude: R(120, 1),
        }
    if gps:
        exif[ExifTags.IFD.GPSInfo] = gps
    if taken is not None:
        exif[ExifTags.IFD.Exif] = {ExifTags.Base.DateTimeOriginal: taken}
    return exif


def phone_jpeg() -> bytes:
    """A phone's photo: EXIF with GPS and the time taken, an ICC profile, a comment, XMP."""
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    return jpeg(noise((640, 480)), exif=gps_exif(), icc_profile=icc, comment=SECRET_COMMENT, xmp=xmp)


def plain_jpeg() -> bytes:
    return jpeg(noise((320, 240)))


def oriented_jpeg() -> bytes:
    """Stored 300×200 (landscape) with a red block top-left; orientation 6 means: show it rotated 90°
    clockwise, i.e. as 200×300 with the red block top-right."""
    image = Image.new("RGB", (300, 200), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 60, 40))
    return jpeg(image, exif=gps_exif(gps={}, taken=None, orientation=6))


@cache
def big_jpeg(size: tuple[int, int] = (4000, 3000)) -> bytes:
    return jpeg(noise(size), exif=gps_exif())


def alpha_png() -> bytes:
    """A screenshot-like PNG: the left half opaque green, the right half fully transparent (and black
    underneath)."""
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    image.paste((0, 160, 0, 255), (0, 0, 100, 100))
    return png(image)


def webp() -> bytes:
    out = io.BytesIO()
    noise((200, 150)).save(out, "WEBP", quality=80)
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (40, 30), 3).save(out, "GIF")
    return out.getvalue()


def tiff() -> bytes:
    out = io.BytesIO()
    noise((40, 30)).save(out, "TIFF")
    return out.getvalue()


def bmp() -> bytes:
    out = io.BytesIO()
    noise((40, 30)).save(out, "BMP")
    return out.getvalue()


def heic() -> bytes:
    """What an iPhone sends by default: an ISO-BMFF 'ftyp heic' box (Pillow cannot write HEIC)."""
    ftyp = b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heicmiaf"
    return struct.pack(">I", 4 + len(ftyp)) + ftyp + b"\x00" * 512


def renamed_binary() -> bytes:
    """The start of a Windows executable (DOS header), to be uploaded as foto.jpg."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 8


def pdf() -> bytes:
    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=12)
    doc.cell(text="Foto rumah")
    return bytes(doc.output())


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int, bits: int = 1) -> bytes:
    """A PNG whose header declares width × height greyscale pixels of `bits` bits, with correct chunk
    CRCs; its IDAT holds a complete zlib stream of the first rows only (all zeros), so the file is a
    few hundred bytes — what a decompression bomb looks like before its pixels are inflated. (Pillow
    reads a stream that ends early as "the rest is zero".)"""
    row = b"\x00" + b"\x00" * ((width * bits + 7) // 8)
    ihdr = struct.pack(">IIBBBBB", width, height, bits, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(row * 4, 9))
        + _chunk(b"IEND", b"")
    )


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small valid JPEG whose frame header (SOF0) is rewritten to declare width × height."""
    data = bytearray(jpeg(Image.new("RGB", (16, 16), "white")))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def truncated_jpeg() -> bytes:
    whole = jpeg(noise((800, 600), seed=11))
    return whole[: len(whole) // 2]


def truncated_png() -> bytes:
    whole = png(noise((400, 300), seed=13))
    return whole[: len(whole) // 2]


def broken_png() -> bytes:
    """The PNG signature followed by garbage."""
    return b"\x89PNG\r\n\x1a\n" + b"\x13\x37" * 200
