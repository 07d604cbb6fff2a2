"""Tagged PDFs joined as one tagged PDF, for a pack that holds a handout's last good PDF.

Handouts printed together are normally laid out as one document (``together.py``). A handout
whose text has an error exists only as its last good PDF, so a pack that holds one is joined
from PDFs. Joining pages alone would drop what makes each part accessible; here each part's
structure tree comes along under one root, renumbered so every page and link still finds its
own elements, and the whole keeps what PDF/UA-1 asks of a document: marked, one language (the
first part's), its title shown by the viewer, the PDF/UA identification in its metadata.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Any
from xml.sax.saxutils import escape

XMP_TITLE = '<rdf:li xml:lang="x-default">'


def join(pdfs: Sequence[bytes], title: str) -> bytes:
    """``pdfs`` as one tagged PDF titled ``title``, in order; after a part of an odd number of
    pages a blank page, so that in duplex each part starts on the front of a new sheet."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject

    writer = PdfWriter()
    readers = [PdfReader(io.BytesIO(pdf)) for pdf in pdfs]  # kept alive: pypdf maps by id(reader)
    roots: list[Any] = []
    nums = ArrayObject()  # the whole's parent tree: (key, elements) pairs
    offset = 0  # the first key of the part being added
    for number, reader in enumerate(readers):
        root, offset = _append(writer, reader, nums, offset)
        if root is not None:
            roots.append(root)
        if len(writer.pages) % 2 and number < len(readers) - 1:
            writer.add_blank_page()
    _one_tree(writer, roots, nums, offset)
    if readers:
        _describe(writer, readers[0].root_object, title)
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)  # the other roots
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _append(writer: Any, reader: Any, nums: Any, offset: int) -> tuple[Any, int]:
    """Add one part's pages and its structure tree (cloned; None if it has none), its parent
    tree's keys moved up by ``offset`` into ``nums``; the first key free after it."""
    from pypdf.generic import NameObject, NumberObject

    first_page = len(writer.pages)
    writer.append(reader)
    source = reader.root_object.get("/StructTreeRoot")
    if source is None:
        return None, offset
    root = source.get_object().clone(writer)  # its /Pg and /Obj: the pages just appended
    keys = []
    for key, value in _numbers(root.get("/ParentTree")):
        nums += [NumberObject(key + offset), value]
        keys.append(key)
    # pypdf leaves out a page's /StructParents (it copies no structure): set it again, moved up
    for page, original in zip(writer.pages[first_page:], reader.pages, strict=True):
        if "/StructParents" in original:
            page[NameObject("/StructParents")] = NumberObject(int(original["/StructParents"]) + offset)
        for annotation in page.get("/Annots", ()):
            _shift(annotation.get_object(), "/StructParent", offset)
    return root, offset + max(keys, default=-1) + 1


def _one_tree(writer: Any, roots: list[Any], nums: Any, next_key: int) -> None:
    """The first part's structure root becomes the whole's: its elements, then the others'."""
    from pypdf.generic import ArrayObject, BooleanObject, DictionaryObject, NameObject, NumberObject

    if not roots:
        return
    whole = roots[0]
    kids = ArrayObject()
    for root in roots:
        for kid in _as_list(root.get("/K")):
            kid.get_object()[NameObject("/P")] = whole.indirect_reference
            kids.append(kid)
    whole[NameObject("/K")] = kids
    whole[NameObject("/ParentTree")] = DictionaryObject({NameObject("/Nums"): nums})
    whole[NameObject("/ParentTreeNextKey")] = NumberObject(next_key)
    catalog = writer.root_object
    catalog[NameObject("/StructTreeRoot")] = whole.indirect_reference
    catalog[NameObject("/MarkInfo")] = DictionaryObject({NameObject("/Marked"): BooleanObject(True)})


def _describe(writer: Any, first: Any, title: str) -> None:
    """The first part's language and viewer settings; ``title`` in the metadata, which keeps the
    PDF/UA identification."""
    from pypdf.generic import NameObject

    catalog = writer.root_object
    for key in ("/Lang", "/ViewerPreferences"):
        if key in first:
            catalog[NameObject(key)] = first[key].clone(writer)
    if "/Metadata" in first:
        writer.xmp_metadata = _retitled(first["/Metadata"].get_object().get_data(), title)
        stream = catalog["/Metadata"].get_object()
        stream[NameObject("/Type")] = NameObject("/Metadata")
        stream[NameObject("/Subtype")] = NameObject("/XML")
    writer.add_metadata({"/Title": title, "/Producer": "handouts"})


def _numbers(tree: Any) -> Iterator[tuple[int, Any]]:
    """The (key, value) pairs of a number tree (its /Nums, and its /Kids' in turn)."""
    if tree is None:
        return
    tree = tree.get_object()
    pairs = list(tree.get("/Nums", ()))
    for at in range(0, len(pairs) - 1, 2):
        yield int(pairs[at]), pairs[at + 1]
    for kid in tree.get("/Kids", ()):
        yield from _numbers(kid)


def _shift(holder: Any, key: str, offset: int) -> None:
    from pypdf.generic import NameObject, NumberObject

    if key in holder:
        holder[NameObject(key)] = NumberObject(int(holder[key]) + offset)


def _as_list(kids: Any) -> list[Any]:
    from pypdf.generic import ArrayObject

    if kids is None:
        return []
    found = kids.get_object() if hasattr(kids, "get_object") else kids
    return list(found) if isinstance(found, ArrayObject) else [kids]


def _retitled(xmp: bytes, title: str) -> bytes:
    """The metadata with ``title`` as its dc:title (the title a viewer shows, as PDF/UA asks)."""
    text = xmp.decode("utf-8")
    start = text.find(XMP_TITLE, text.find("<dc:title>"))
    end = text.find("</rdf:li>", start)
    if "<dc:title>" not in text or start < 0 or end < 0:
        return xmp
    start += len(XMP_TITLE)
    return (text[:start] + escape(title) + text[end:]).encode("utf-8")
