"""wsis-kg: knowledge graph and SPARQL service about the World Summit on the Information Society."""

__version__ = "0.1.0"
