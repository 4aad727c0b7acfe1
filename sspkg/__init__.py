"""sspkg: the domain of the archival storage service (catalogue, paths, bags, storing)."""

__version__ = "0.1.0"
