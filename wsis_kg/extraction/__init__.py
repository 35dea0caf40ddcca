"""From texts to RDF: the five seed sources (``sources/``), the resolution importer
(``importer/``), mention linking (``mentions``), the citing-verb table (``verbs``) and the
extraction run (``extract``).
"""
