"""The two seed resolutions, imported by the generic importer (``wsis-kg extract`` calls these).

The GA text lacks its symbol line, so the wrapper passes the symbol, exactly as an editor would
with ``wsis-kg import-resolution --symbol``. Its adoption date and meeting are not in the text:
they are curated in ``data/curated/resolutions.ttl`` with their source, not passed here.
"""

from __future__ import annotations

from rdflib import Graph

from wsis_kg.extraction.extract import source
from wsis_kg.extraction.importer.resolution import import_resolution

ECOSOC_2009_7 = source("E-RES-2009-7").source_file
GA_66_184 = source("A-RES-66-184").source_file


def extract_ecosoc_2009_7(text: str) -> Graph:
    return import_resolution(text, source_file=ECOSOC_2009_7).graph


def extract_ga_66_184(text: str) -> Graph:
    return import_resolution(text, symbol="A/RES/66/184", source_file=GA_66_184).graph
