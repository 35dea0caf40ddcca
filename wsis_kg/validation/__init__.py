"""SHACL validation of new data in the context of the graph (``validate``), its reports
(``report``), and validated writes into named graphs with provenance (``ingest``).
"""
