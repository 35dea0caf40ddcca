"""RDF as bytes: the one registry of formats (names, extensions, media types, charset),
content negotiation and serialisation (``formats``), and reading what users send (``parse``).
"""
