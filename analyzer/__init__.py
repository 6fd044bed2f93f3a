"""sos-analyzer: offline analysis of OpenStack/TripleO support bundles."""

__version__ = "0.1.0"
