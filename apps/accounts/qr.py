"""QR codes as inline SVG, drawn on the server: no image service sees the secret."""

import xml.etree.ElementTree as ET

import qrcode
import qrcode.image.svg


def qr_svg(data: str, *, title: str, size_px: int = 200) -> str:
    """Return `data` as an SVG QR code (white quiet zone) with an accessible title."""
    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        border=4,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    root = image.get_image()
    root.set("width", str(size_px))
    root.set("height", str(size_px))
    root.set("role", "img")
    root.set("aria-labelledby", "app-qr-title")
    root.set("focusable", "false")
    title_el = ET.Element("title", {"id": "app-qr-title"})
    title_el.text = title
    root.insert(0, title_el)
    return ET.tostring(root, encoding="unicode")
