"""SVG pictures as the library keeps them: drawings only, cleaned by an allow-list.

An SVG is XML that can carry scripts, event handlers, HTML (``foreignObject``),
animations that rewrite a link (``<set>``/``<animate>`` on ``href``) and
references that fetch other files. Looking for those does not work (a tab
inside ``java&#x09;script:`` defeats every pattern), so nh3 keeps only the
elements, attributes and in-picture references a static drawing needs and
drops everything else. nh3 reads HTML, so the file is first read as the XML
a browser reads (defusedxml: no entities) and written back plainly, and
nh3's result is read back as XML and checked against the same lists.
Pictures are cleaned when they enter the library and again when a site or a
printed book is published.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

import defusedxml.ElementTree as SafeElementTree
import nh3
from defusedxml import DefusedXmlException

from .errors import MaterialsError

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XLINK_NAMESPACE = "http://www.w3.org/1999/xlink"
MAX_SVG_BYTES = 5 * 1024 * 1024

# Static SVG 1.1 / 2 drawing: shapes, text, paint servers, clipping, masking and filters.
# Spelled as the HTML parser under nh3 names them (SVG's camelCase).
ELEMENTS = frozenset({
    "svg", "g", "defs", "symbol", "use", "switch", "title", "desc",
    "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "image",
    "text", "tspan", "textPath",
    "marker", "linearGradient", "radialGradient", "stop", "pattern", "clipPath", "mask",
    "filter", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite", "feConvolveMatrix",
    "feDiffuseLighting", "feDisplacementMap", "feDistantLight", "feDropShadow", "feFlood", "feFuncA", "feFuncB",
    "feFuncG", "feFuncR", "feGaussianBlur", "feMerge", "feMergeNode", "feMorphology", "feOffset", "fePointLight",
    "feSpecularLighting", "feSpotLight", "feTile", "feTurbulence",
})
# Dropped with everything inside them, not only their tags.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "foreignObject", "metadata", "iframe", "object", "embed",
                                  "audio", "video", "noscript", "template"})
# Presentation properties: allowed as attributes and, in ``style``, as declarations.
PRESENTATION = frozenset({
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
    "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "opacity", "color", "display",
    "visibility", "overflow", "clip-path", "clip-rule", "mask", "filter", "marker-start", "marker-mid", "marker-end",
    "font-family", "font-size", "font-size-adjust", "font-stretch", "font-style", "font-variant", "font-weight",
    "text-anchor", "text-decoration", "text-rendering", "dominant-baseline", "alignment-baseline", "baseline-shift",
    "letter-spacing", "word-spacing", "writing-mode", "direction", "unicode-bidi", "stop-color", "stop-opacity",
    "flood-color", "flood-opacity", "lighting-color", "color-interpolation", "color-interpolation-filters",
    "shape-rendering", "image-rendering", "vector-effect", "paint-order", "mix-blend-mode", "isolation",
})
GEOMETRY = frozenset({
    "id", "class", "transform", "style", "x", "y", "width", "height", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx",
    "ry", "d", "points", "dx", "dy", "rotate", "textLength", "lengthAdjust", "pathLength", "viewBox",
    "preserveAspectRatio", "version", "href", "offset", "fx", "fy", "fr", "gradientUnits", "gradientTransform",
    "spreadMethod", "patternUnits", "patternContentUnits", "patternTransform", "clipPathUnits", "maskUnits",
    "maskContentUnits", "markerUnits", "markerWidth", "markerHeight", "refX", "refY", "orient", "startOffset",
    "method", "spacing", "side", "systemLanguage", "filterUnits", "primitiveUnits", "in", "in2", "result",
    "stdDeviation", "mode", "type", "values", "operator", "k1", "k2", "k3", "k4", "order", "kernelMatrix", "divisor",
    "bias", "targetX", "targetY", "edgeMode", "kernelUnitLength", "preserveAlpha", "surfaceScale", "diffuseConstant",
    "specularConstant", "specularExponent", "scale", "xChannelSelector", "yChannelSelector", "azimuth", "elevation",
    "z", "pointsAtX", "pointsAtY", "pointsAtZ", "limitingConeAngle", "specularExponent", "radius", "baseFrequency",
    "numOctaves", "seed", "stitchTiles", "tableValues", "slope", "intercept", "amplitude", "exponent",
})
ATTRIBUTES = PRESENTATION | GEOMETRY
# The only references kept: to an element of the same picture, and embedded raster images.
_EMBEDDED_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*", re.IGNORECASE)
_URL_FUNCTION = re.compile(r"url\(\s*['\"]?\s*([^)'\"]*)", re.IGNORECASE)


class InvalidSVG(MaterialsError):
    """A file that is no SVG picture (not UTF-8, not XML, no ``<svg>`` root), even once cleaned."""

    code = "asset.svg_invalid"


def _keep_reference(element: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: an attribute that points anywhere but into the picture is dropped."""
    if "\\" in value:  # CSS escapes could spell url( in a way only a browser reads
        return None
    if attribute == "href":  # href and xlink:href alike
        inside = value.strip().startswith("#")
        return value if inside or (element == "image" and _EMBEDDED_IMAGE.fullmatch(value.strip())) else None
    if any(not target.startswith("#") for target in _URL_FUNCTION.findall(value)):
        return None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ELEMENTS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={"*": set(ATTRIBUTES)},
    attribute_filter=_keep_reference,
    set_tag_attribute_values={"svg": {"xmlns": SVG_NAMESPACE, "xmlns:xlink": XLINK_NAMESPACE}},
    url_schemes={"data"},
    filter_style_properties=set(PRESENTATION),
    strip_comments=True,
    link_rel=None,
)


def clean_svg(data: bytes) -> bytes:
    """The picture with only what draws it: ``InvalidSVG`` if the file is no SVG picture."""
    if len(data) > MAX_SVG_BYTES:
        raise InvalidSVG("the SVG file is too large", reason="too_large")
    root = _read_xml(data)
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise InvalidSVG("the file has no <svg> root", reason="not_svg")
    ElementTree.register_namespace("", SVG_NAMESPACE)
    ElementTree.register_namespace("xlink", XLINK_NAMESPACE)
    plain = ElementTree.tostring(root, encoding="unicode")  # no prolog, DTD, comments or processing instructions
    # nh3 writes HTML: U+00A0 comes back as &nbsp;, which XML does not know
    cleaned = _CLEANER.clean(plain).replace("&nbsp;", "&#160;").strip()
    _verify(_read_xml(cleaned.encode("utf-8")))
    return cleaned.encode("utf-8")


def _read_xml(data: bytes) -> ElementTree.Element:
    try:
        return SafeElementTree.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise InvalidSVG("the SVG file is not one XML document without entities", reason="xml") from None


def _verify(root: ElementTree.Element) -> None:
    """Read back as XML, the result holds only allowed names (a parser mismatch would show here)."""
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise InvalidSVG("the file has no <svg> root", reason="not_svg")
    for element in root.iter():
        namespace, _, name = element.tag[1:].partition("}")
        if namespace != SVG_NAMESPACE or name not in ELEMENTS:
            raise InvalidSVG(f"the cleaned picture holds <{element.tag}>", reason="not_svg")
        for attribute in element.attrib:
            local = attribute.rsplit("}", 1)[-1]
            if local not in ATTRIBUTES or (attribute.startswith("{") and attribute != f"{{{XLINK_NAMESPACE}}}href"):
                raise InvalidSVG(f"the cleaned picture holds the attribute {attribute}", reason="not_svg")
