"""The five seed texts, each by its own extractor, into paragraph-level RDF."""
