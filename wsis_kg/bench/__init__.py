"""``wsis-kg bench``: the service against peers on the same data (``runner``), the validation
benchmark (``validation``) and the synthetic data both use (``synthetic``).
"""
