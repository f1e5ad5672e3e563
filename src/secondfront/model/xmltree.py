"""XML read into a small tree that remembers where each element is.

The XML network formats (XMLBIF in :mod:`secondfront.model.xmlbif`, GeNIe's XDSL in
:mod:`secondfront.model.xdsl`) share this reading: ``xml.etree`` forgets where
elements are, so the document is parsed with defusedxml's expat SAX driver into
:class:`XmlElement` nodes that keep each element's 1-based line and column (and where
its text starts, to point at a single bad value). Tag names and attribute names are
upper-cased, so a format's reader matches them case-insensitively.

Hostile XML is refused at the declaration: entity declarations (a "billion laughs"
file), external entities and external DTDs (reads of other files or the network). An
internal DTD of ``<!ELEMENT>``/``<!ATTLIST>`` lines, common in JavaBayes files, is
still read. Malformed XML is reported at expat's error position.

A format's reader subclasses (or holds) an :class:`XmlReader`, calls
:meth:`XmlReader.document` and checks the tree, adding a :class:`Diagnostic` per
problem with :meth:`XmlReader.at` or :meth:`XmlReader.error`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler

from defusedxml import DefusedXmlException, DTDForbidden, ExternalReferenceForbidden
from defusedxml.expatreader import DefusedExpatParser

from secondfront.errors import Diagnostic, SpecError

__all__ = ["XmlElement", "XmlReader"]


@dataclass
class XmlElement:
    """An XML element with the 1-based position of its '<' and of its first text.

    ``tag`` and the keys of ``attrs`` are upper-cased; ``text_line``/``text_col`` are 0
    when the element has no text.
    """

    tag: str
    attrs: dict[str, str]
    line: int
    col: int
    children: list[XmlElement] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    text_line: int = 0
    text_col: int = 0

    @property
    def text(self) -> str:
        """The element's own text (not its children's), as written."""
        return "".join(self.parts)

    def find(self, tag: str) -> XmlElement | None:
        """The first child with upper-cased tag ``tag``, or None."""
        return next((c for c in self.children if c.tag == tag), None)

    def findall(self, *tags: str) -> list[XmlElement]:
        """The children whose upper-cased tag is one of ``tags``, in document order."""
        return [c for c in self.children if c.tag in tags]


class _TreeBuilder(ContentHandler):
    """SAX events -> a tree of :class:`XmlElement` that keeps each element's position."""

    def __init__(self, parser: DefusedExpatParser) -> None:
        super().__init__()
        self.parser = parser
        self.stack: list[XmlElement] = []
        self.root: list[XmlElement] = []

    def startElement(self, name: str, attrs: Any) -> None:
        elem = XmlElement(
            name.upper(),
            {k.upper(): v for k, v in attrs.items()},
            self.parser.getLineNumber(),
            self.parser.getColumnNumber() + 1,
        )
        if self.stack:
            self.stack[-1].children.append(elem)
        else:
            self.root.append(elem)
        self.stack.append(elem)

    def endElement(self, name: str) -> None:
        self.stack.pop()

    def characters(self, content: str) -> None:
        if self.stack:
            elem = self.stack[-1]
            if not elem.parts:
                elem.text_line = self.parser.getLineNumber()
                elem.text_col = self.parser.getColumnNumber() + 1
            elem.parts.append(content)


class XmlReader:
    """Reads one XML document into an :class:`XmlElement` tree; collects diagnostics.

    Args:
        text: the whole document; bytes honour the XML declaration's encoding (UTF-8
            when there is none).
        path: the name diagnostics use.
        format_name: the format being read ("XMLBIF", "XDSL"), named when hostile XML
            is refused.
    """

    def __init__(self, text: str | bytes, path: str, format_name: str) -> None:
        self.text = text
        self.path = path
        self.format_name = format_name
        self.diags: list[Diagnostic] = []

    def error(self, line: int, col: int, message: str) -> None:
        """Add a diagnostic at 1-based ``line``, ``col``."""
        self.diags.append(Diagnostic(self.path, line, col, message))

    def at(self, elem: XmlElement, message: str) -> None:
        """Add a diagnostic at ``elem``'s '<'."""
        self.error(elem.line, elem.col, message)

    def tree(self) -> XmlElement | None:
        """The document's root element, or None (with a diagnostic) when it is refused."""
        # defusedxml's expat driver refuses entity declarations (so no "billion laughs"
        # expansion) and external entities and DTDs (so no file or network reads).
        parser = DefusedExpatParser()
        handler = _TreeBuilder(parser)
        parser.setContentHandler(handler)
        try:
            parser.feed(self.text)
            parser.close()
        except SAXParseException as e:
            self.error(
                e.getLineNumber() or 1,
                (e.getColumnNumber() or 0) + 1,
                f"malformed XML: {e.getMessage()}",
            )
            return None
        except DefusedXmlException as e:
            what = (
                "external entity or DTD"
                if isinstance(e, ExternalReferenceForbidden | DTDForbidden)
                else "entity declaration"
            )
            self.error(
                parser.getLineNumber(),
                parser.getColumnNumber() + 1,
                f"refused XML {what} ({e}): {self.format_name} needs none, and entities can "
                "expand a small file into gigabytes or read other files; remove it",
            )
            return None
        return handler.root[0] if handler.root else None

    def document(self) -> XmlElement:
        """The root element of a well-formed, accepted document.

        Raises:
            SpecError: the diagnostics so far, "no XML element found" when there are
                none (an empty document).
        """
        root = self.tree()
        if root is None:
            if not self.diags:
                self.error(1, 1, "no XML element found")
            raise SpecError(self.diags)
        return root
